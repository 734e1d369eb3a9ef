using System.Buffers;
using System.Buffers.Binary;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Tests.Transport;

/// <summary>
/// The lock-free queue of bytes in front of each connection: many senders at once, chunks filling and frames larger
/// than a chunk, a writer taking concurrently. Every frame must come out whole, once, in each sender's order.
/// </summary>
public sealed class OutboundLogTests
{
    [Fact]
    public async Task Concurrent_senders_frames_come_out_whole_once_and_in_each_senders_order()
    {
        const int Senders = 4;
        const int PerSender = 20_000;
        var log = new OutboundLog(chunkSize: 1024); // Small chunks: rollovers all the time, and some frames larger than a chunk.
        var output = new ArrayBufferWriter<byte>();
        using var sending = new CancellationTokenSource();
        var start = new Barrier(Senders + 1);

        var senders = Enumerable.Range(0, Senders).Select(sender => Task.Factory.StartNew(() =>
        {
            var random = new Random(sender);
            start.SignalAndWait();
            for (var sequence = 0; sequence < PerSender; sequence++)
            {
                // Mostly small frames, sometimes one of up to three chunks.
                var size = random.Next(10) == 0 ? random.Next(1, 3000) : random.Next(1, 60);
                log.Append(Frame(sender, sequence, size));
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        var writer = Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            while (!sending.IsCancellationRequested)
            {
                if (log.CopyTo(output, 8192) == 0)
                {
                    Thread.Yield();
                }
            }
            while (log.CopyTo(output, int.MaxValue) > 0)
            {
            }
        }, TaskCreationOptions.LongRunning);

        await Task.WhenAll(senders);
        await sending.CancelAsync();
        await writer;

        var next = new int[Senders];
        var bytes = new ReadOnlySequence<byte>(output.WrittenMemory);
        while (FrameParser.TryRead(ref bytes, int.MaxValue, out var kind, out var payload))
        {
            Assert.Equal(FrameKind.Message, kind);
            var body = payload.ToArray();
            var sender = BinaryPrimitives.ReadInt32LittleEndian(body);
            var sequence = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(4));
            Assert.Equal(next[sender]++, sequence);
            Assert.All(body[8..], b => Assert.Equal((byte)(sender + sequence), b));
        }
        Assert.Equal(0, bytes.Length);
        Assert.All(next, count => Assert.Equal(PerSender, count));
        Assert.Equal(0, log.QueuedBytes);
    }

    [Fact]
    public void Draining_hands_out_what_is_left_in_order_and_counts_the_queue()
    {
        var log = new OutboundLog(chunkSize: 256);
        for (var i = 0; i < 100; i++)
        {
            log.Append(Frame(0, i, 20));
        }
        Assert.InRange(log.QueuedBytes, 100 * 33, 100 * 48);

        var output = new ArrayBufferWriter<byte>();
        Assert.True(log.CopyTo(output, 100) > 0); // A few frames go out...
        var drained = new List<int>();
        log.Drain(drained, static (list, frame) => list.Add(BinaryPrimitives.ReadInt32LittleEndian(frame.Span[(FrameBuilder.HeaderSize + 4)..])));

        var sent = 0;
        var bytes = new ReadOnlySequence<byte>(output.WrittenMemory);
        while (FrameParser.TryRead(ref bytes, int.MaxValue, out _, out _))
        {
            sent++;
        }
        Assert.Equal(Enumerable.Range(sent, 100 - sent), drained); // ...and the rest comes back, in order.
        Assert.Equal(0, log.QueuedBytes);
    }

    /// <summary>A message frame: the sender, its sequence number, then filler bytes derived from both.</summary>
    private static byte[] Frame(int sender, int sequence, int filler)
    {
        var frame = new byte[FrameBuilder.HeaderSize + 8 + filler];
        BinaryPrimitives.WriteInt32LittleEndian(frame, frame.Length - 4);
        frame[4] = (byte)FrameKind.Message;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(FrameBuilder.HeaderSize), sender);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(FrameBuilder.HeaderSize + 4), sequence);
        frame.AsSpan(FrameBuilder.HeaderSize + 8).Fill((byte)(sender + sequence));
        return frame;
    }
}

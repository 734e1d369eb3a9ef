using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ProcessGrid.Runtime.Transport;

/// <summary>
/// The frames waiting to be written to one connection, as bytes in a chain of chunks (Erlang's distribution buffer):
/// any number of senders append without a lock, one writer takes them off in order.
/// </summary>
/// <remarks>
/// <para><b>Why bytes.</b> A queue of frame objects costs the garbage collector an object graph per message; a
/// connection that falls behind a fast sender then holds millions of them, and collecting them can stall the node
/// long enough for its peers to declare it dead. Here a waiting message is its bytes in a large array, nothing else.</para>
/// <para><b>Appending.</b> A sender reserves room in the tail chunk with one atomic add, copies its frame in, then
/// publishes the frame by writing its length last. The first sender whose frame does not fit marks the end of the
/// chunk and starts the next one with its own frame first, so the order of reservations is the order on the wire.
/// Each frame starts at a multiple of 8 bytes, so that its length word is written and read atomically.</para>
/// <para><b>Taking.</b> The writer reads the length word at its position: zero means the frame there is not
/// published yet (it waits to be signalled), <see cref="EndOfChunk"/> or the chunk's end means go on to the next
/// chunk. Chunks are never reused: a sender may still hold one it read as the tail, and an atomic add on a chunk that is
/// full only fails, whereas on a reused one it would succeed and lose the frame.</para>
/// </remarks>
internal sealed class OutboundLog
{
    private const int EndOfChunk = -1;
    private const int LengthSize = 4;

    private readonly int _chunkSize;
    private Chunk _tail;
    private Chunk _head;
    private int _headOffset;
    private long _taken;

    /// <summary>Creates an empty log.</summary>
    /// <param name="chunkSize">The size of a chunk (rounded up to a multiple of 8); a larger frame gets a chunk of its own size.</param>
    public OutboundLog(int chunkSize = 64 * 1024)
    {
        _chunkSize = Align(chunkSize);
        _head = _tail = new Chunk(_chunkSize, 0);
    }

    /// <summary>Bytes appended and not yet taken (approximately, while senders append).</summary>
    public long QueuedBytes
    {
        get
        {
            var tail = Volatile.Read(ref _tail);
            return tail.Start + Math.Min(Volatile.Read(ref tail.Reserved), tail.Buffer.Length) - Volatile.Read(ref _taken);
        }
    }

    /// <summary>Appends a complete frame (its 4-byte length first, then the kind and payload). Safe from any thread; never blocks.</summary>
    /// <returns>The bytes waiting in the log up to and including this frame.</returns>
    public long Append(ReadOnlySpan<byte> frame)
    {
        var size = Align(frame.Length);
        var spin = new SpinWait();
        while (true)
        {
            var chunk = Volatile.Read(ref _tail);
            var capacity = chunk.Buffer.Length;
            var start = Interlocked.Add(ref chunk.Reserved, size) - size;
            if (start + size <= capacity)
            {
                Publish(chunk.Buffer, start, frame);
                return chunk.Start + start + size - Volatile.Read(ref _taken);
            }
            if (start <= capacity)
            {
                // The first frame that does not fit: open the next chunk with this frame first, then close this one.
                var next = new Chunk(Math.Max(_chunkSize, size), chunk.Start + capacity) { Reserved = size };
                Publish(next.Buffer, 0, frame);
                Volatile.Write(ref chunk.Next, next); // Before the end mark: the writer that sees the mark finds the next chunk.
                Volatile.Write(ref _tail, next);
                if (start < capacity)
                {
                    Volatile.Write(ref LengthAt(chunk.Buffer, start), EndOfChunk);
                }
                return next.Start + size - Volatile.Read(ref _taken);
            }
            spin.SpinOnce(sleep1Threshold: -1); // Another sender is opening the next chunk.
        }
    }

    /// <summary>
    /// Copies published frames, in order, to <paramref name="output"/> until about <paramref name="budget"/> bytes are
    /// copied or none is ready. The single writer only.
    /// </summary>
    /// <returns>The bytes copied; 0 when no frame is ready.</returns>
    public int CopyTo(IBufferWriter<byte> output, int budget)
    {
        var copied = 0;
        while (copied < budget && TryTake(out var frame))
        {
            output.Write(frame.Span);
            copied += frame.Length;
        }
        return copied;
    }

    /// <summary>Takes every published frame, in order (when the connection has closed: they will not be sent). The single writer only.</summary>
    public void Drain<TState>(TState state, FrameAction<TState> action)
    {
        while (TryTake(out var frame))
        {
            action(state, frame);
        }
    }

    /// <summary>What <see cref="Drain{TState}"/> does with each frame.</summary>
    public delegate void FrameAction<in TState>(TState state, ReadOnlyMemory<byte> frame);

    private bool TryTake(out ReadOnlyMemory<byte> frame)
    {
        while (true)
        {
            var chunk = _head;
            var length = _headOffset < chunk.Buffer.Length ? WireLength(Volatile.Read(ref LengthAt(chunk.Buffer, _headOffset))) : EndOfChunk;
            if (length == EndOfChunk)
            {
                if (Volatile.Read(ref chunk.Next) is not { } next)
                {
                    frame = default;
                    return false; // The sender that filled this chunk is still opening the next one.
                }
                _head = next;
                _headOffset = 0;
                Volatile.Write(ref _taken, next.Start);
                continue;
            }
            if (length == 0)
            {
                frame = default;
                return false;
            }
            frame = chunk.Buffer.AsMemory(_headOffset, LengthSize + length);
            _headOffset += Align(LengthSize + length);
            Volatile.Write(ref _taken, chunk.Start + _headOffset);
            return true;
        }
    }

    private static void Publish(byte[] buffer, int start, ReadOnlySpan<byte> frame)
    {
        frame[LengthSize..].CopyTo(buffer.AsSpan(start + LengthSize));
        // The length word as the bytes it has on the wire (little-endian), written in one store.
        Volatile.Write(ref LengthAt(buffer, start), MemoryMarshal.Read<int>(frame));
    }

    /// <summary>The frame length a stored length word holds (0 and <see cref="EndOfChunk"/> read the same either way).</summary>
    private static int WireLength(int stored) => BitConverter.IsLittleEndian ? stored : BinaryPrimitives.ReverseEndianness(stored);

    private static ref int LengthAt(byte[] buffer, int offset) => ref Unsafe.As<byte, int>(ref buffer[offset]);

    private static int Align(int size) => (size + 7) & ~7;

    /// <summary>One array of the log. <see cref="Start"/> is its position in the whole stream, for counting what waits.</summary>
    private sealed class Chunk(int capacity, long start)
    {
        public readonly byte[] Buffer = new byte[capacity];
        public readonly long Start = start;
        public int Reserved;
        public Chunk? Next;
    }
}

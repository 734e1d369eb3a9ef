using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace ProcessGrid.Runtime.Transport;

/// <summary>
/// One open connection to another node (or a client), after its handshake: the only path for traffic between the
/// two, so that what one process sends another arrives in order.
/// </summary>
/// <remarks>
/// <para><b>Sending.</b> <see cref="Send"/> takes a frame already built on the sender's thread and copies it into the
/// connection's <see cref="OutboundLog"/> without a lock; one writer loop copies what is queued into the socket's pipe
/// and flushes once per batch, so a burst of messages costs one system call, not one each, and a backlog is bytes, not
/// objects for the garbage collector. Probes and their answers go on a second queue the writer empties first, so a busy
/// connection still answers probes promptly.</para>
/// <para><b>Liveness.</b> A probe also counts as answered when anything arrived from the peer while it waited (Erlang's
/// tick rule: any traffic proves the peer alive). A peer streaming data at this node while both are short of CPU may
/// answer late, since its pong queues behind what it already wrote; it is plainly alive, and must not be declared dead
/// for being busy.</para>
/// <para><b>Receiving.</b> One reader loop cuts frames out of the socket's pipe. Probes are answered right there,
/// without going through any process (Orleans does the same), so a node whose processes are busy is not suspected.
/// Other frames go to the node's <see cref="ITransportHandler"/> in arrival order.</para>
/// <para><b>Closing.</b> The first close wins and is final: pending probes fail, queued frames are dropped, and the
/// handler hears <see cref="ITransportHandler.OnDisconnected"/> once. A malformed or oversized frame closes only this
/// connection.</para>
/// </remarks>
internal sealed partial class PeerConnection
{
    private readonly ConnectionContext _context;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ClusterTransport _transport;
    private readonly OutboundLog _outbound = new();
    private readonly ConcurrentQueue<FrameBuilder> _urgent = new();
    private readonly Lock _taking = new();
    private TaskCompletionSource? _emptied;
    private readonly AsyncSignal _writerSignal = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<bool>> _pings = new();
    private readonly TaskCompletionSource<DisconnectReason> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextPing;
    private long _reads;
    private int _closing;

    internal PeerConnection(ConnectionContext context, NodeIdentity remote, bool isInitiator, ClusterTransport transport)
    {
        _context = context;
        _input = context.Transport.Input;
        _output = context.Transport.Output;
        Remote = remote;
        IsInitiator = isInitiator;
        _transport = transport;
    }

    /// <summary>Who is at the other end.</summary>
    public NodeIdentity Remote { get; }

    /// <summary>True when this node opened the connection.</summary>
    public bool IsInitiator { get; }

    /// <summary>True until the connection closes.</summary>
    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    /// <summary>Completes with the reason once the connection has closed.</summary>
    public Task<DisconnectReason> Closed => _closed.Task;

    /// <summary>Starts the reader and writer loops.</summary>
    internal void Start()
    {
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Queues a frame. Never blocks. Returns true when the connection took the frame over (it is then sent, or handed
    /// back through <see cref="ITransportHandler.OnUnsent"/> if the connection closes first); false when the connection
    /// is closed, in which case the caller still owns the frame.
    /// </summary>
    /// <exception cref="FrameProtocolException">The frame is larger than the largest frame allowed (nothing was queued).</exception>
    public bool Send(FrameBuilder frame)
    {
        ReadOnlySpan<byte> bytes;
        try
        {
            bytes = frame.Complete(_transport.Options.MaxFrameSize);
        }
        catch
        {
            frame.Release();
            throw;
        }
        if (!IsOpen)
        {
            return false;
        }
        _outbound.Append(bytes);
        frame.Release();
        _writerSignal.Set();
        if (!IsOpen)
        {
            DrainUnsent(); // Closed while queueing: account for what is left.
        }
        return true;
    }

    /// <summary>Bytes queued on this connection and not yet handed to the socket.</summary>
    public long QueuedBytes => _outbound.QueuedBytes;

    /// <summary>
    /// Closes the connection after what is already queued has been written (an orderly stop: the last membership
    /// update reaches the peer), or after <paramref name="timeout"/>, whichever comes first.
    /// </summary>
    public async Task CloseGracefullyAsync(TimeSpan timeout)
    {
        if (IsOpen)
        {
            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _emptied, written); // The writer completes it once it finds nothing left to write.
            _writerSignal.Set();
            try
            {
                await written.Task.WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The peer does not read: close anyway.
            }
        }
        Close(DisconnectReason.ClosedLocally);
    }

    /// <summary>Probes the peer: true when it answers, or its traffic keeps arriving, within <paramref name="timeout"/>.</summary>
    public async Task<bool> PingAsync(TimeSpan timeout)
    {
        if (!IsOpen)
        {
            return false;
        }
        var id = Interlocked.Increment(ref _nextPing);
        var answered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pings[id] = answered;
        try
        {
            var ping = FrameBuilder.Start(FrameKind.Ping);
            ping.WriteInt64(id);
            ping.Complete(_transport.Options.MaxFrameSize);
            var readsBefore = Volatile.Read(ref _reads);
            _urgent.Enqueue(ping);
            _writerSignal.Set();
            try
            {
                return await answered.Task.WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return IsOpen && Volatile.Read(ref _reads) != readsBefore; // No pong yet, but the peer's traffic is arriving.
            }
        }
        finally
        {
            _pings.TryRemove(id, out _);
        }
    }

    /// <summary>Closes the connection (once; later calls do nothing).</summary>
    public void Close(DisconnectReason reason, string? why = null)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }
        if (why is not null)
        {
            LogClosed(_transport.Logger, Remote, reason, why);
        }
        try
        {
            _context.Abort(new ConnectionAbortedException(why ?? reason.ToString()));
        }
        catch (ObjectDisposedException)
        {
            // Already torn down by the transport.
        }
        _writerSignal.Set();
        foreach (var ping in _pings.Values)
        {
            ping.TrySetResult(false);
        }
        while (_urgent.TryDequeue(out var control))
        {
            control.Release();
        }
        DrainUnsent();
        _emptied?.TrySetResult();
        _closed.TrySetResult(reason);
        _transport.OnClosed(this, reason);
    }

    private async Task ReadLoopAsync()
    {
        var reason = DisconnectReason.ClosedByPeer;
        string? why = null;
        try
        {
            var maxFrame = _transport.Options.MaxFrameSize;
            while (IsOpen)
            {
                var result = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                Interlocked.Increment(ref _reads);
                try
                {
                    while (FrameParser.TryRead(ref buffer, maxFrame, out var kind, out var payload))
                    {
                        Dispatch(kind, payload);
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (FrameProtocolException e)
        {
            reason = DisconnectReason.ProtocolViolation;
            why = e.Message;
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException or ConnectionResetException or OperationCanceledException or InvalidOperationException)
        {
            reason = IsOpen ? DisconnectReason.NetworkError : DisconnectReason.ClosedLocally;
            why = IsOpen ? e.Message : null;
        }
        Close(reason, why);
    }

    private void Dispatch(FrameKind kind, ReadOnlySequence<byte> payload)
    {
        switch (kind)
        {
            case FrameKind.Ping:
                // Answered here, not through any process: probes measure the connection and the node, not its queues.
                var pong = FrameBuilder.Start(FrameKind.Pong);
                foreach (var segment in payload)
                {
                    pong.WriteBytes(segment.Span);
                }
                pong.Complete(_transport.Options.MaxFrameSize);
                _urgent.Enqueue(pong);
                _writerSignal.Set();
                break;
            case FrameKind.Pong:
                var reader = new FrameReader(payload);
                if (_pings.TryGetValue(reader.ReadInt64(), out var answered))
                {
                    answered.TrySetResult(true);
                }
                break;
            case >= FrameKind.FirstDataKind:
                if (!_transport.Handler.OnFrame(this, kind, payload))
                {
                    throw new FrameProtocolException($"The peer sent a frame of unknown kind {(byte)kind}.");
                }
                break;
            default:
                throw new FrameProtocolException($"The peer sent a {kind} frame after the handshake.");
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await _writerSignal.WaitAsync().ConfigureAwait(false);
                if (!IsOpen)
                {
                    return;
                }
                // Copy what is queued into the pipe a batch at a time (probes and their answers first), flushing after
                // each batch: one system call carries many frames, and a long queue still streams out.
                while (CopyBatch())
                {
                    if ((await _output.FlushAsync().ConfigureAwait(false)).IsCompleted)
                    {
                        return;
                    }
                }
                if (Volatile.Read(ref _emptied) is { } emptied && _outbound.QueuedBytes == 0)
                {
                    emptied.TrySetResult();
                }
            }
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException or ConnectionResetException or OperationCanceledException or InvalidOperationException)
        {
            Close(IsOpen ? DisconnectReason.NetworkError : DisconnectReason.ClosedLocally, IsOpen ? e.Message : null);
        }
    }

    /// <summary>The most bytes copied into the pipe between two flushes.</summary>
    private const int BatchBytes = 64 * 1024;

    /// <summary>Copies queued frames into the pipe, probes first; false when there was nothing to copy.</summary>
    private bool CopyBatch()
    {
        var copied = 0;
        while (_urgent.TryDequeue(out var control))
        {
            _output.Write(control.Bytes);
            copied += control.Bytes.Length;
            control.Release();
        }
        lock (_taking)
        {
            if (!IsOpen)
            {
                return false; // The close takes what is left, as unsent.
            }
            copied += _outbound.CopyTo(_output, BatchBytes);
        }
        return copied > 0;
    }

    /// <summary>Hands the frames that will never be sent to the node, which accounts for what they carried (dead letters).</summary>
    private void DrainUnsent()
    {
        lock (_taking)
        {
            _outbound.Drain(this, static (connection, frame) => connection._transport.Handler.OnUnsent(
                connection, (FrameKind)frame.Span[FrameBuilder.HeaderSize - 1], new ReadOnlySequence<byte>(frame[FrameBuilder.HeaderSize..])));
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{(IsInitiator ? "to" : "from")} {Remote}";

    [LoggerMessage(EventId = 510, Level = LogLevel.Warning, Message = "Connection with {Peer} closed ({Reason}): {Why}")]
    private static partial void LogClosed(ILogger logger, NodeIdentity peer, DisconnectReason reason, string why);
}

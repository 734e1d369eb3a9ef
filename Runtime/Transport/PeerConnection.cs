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
/// <para><b>Sending.</b> <see cref="Send"/> takes a frame already built on the sender's thread and puts it on a
/// lock-free queue; one writer loop copies queued frames into the socket's pipe and flushes once per batch, so a burst
/// of messages costs one system call, not one each. Pongs go on a second queue the writer empties first, so a busy
/// connection still answers probes promptly.</para>
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
    private readonly ConcurrentQueue<FrameBuilder> _outbound = new();
    private readonly ConcurrentQueue<FrameBuilder> _urgent = new();
    private readonly AsyncSignal _writerSignal = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<bool>> _pings = new();
    private readonly TaskCompletionSource<DisconnectReason> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextPing;
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
        try
        {
            frame.Complete(_transport.Options.MaxFrameSize);
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
        _outbound.Enqueue(frame);
        _writerSignal.Set();
        if (!IsOpen)
        {
            Drain(_outbound); // Closed while queueing: account for what is left and return the buffers.
        }
        return true;
    }

    /// <summary>
    /// Closes the connection after what is already queued has been written (an orderly stop: the last membership
    /// update reaches the peer), or after <paramref name="timeout"/>, whichever comes first.
    /// </summary>
    public async Task CloseGracefullyAsync(TimeSpan timeout)
    {
        if (IsOpen)
        {
            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _outbound.Enqueue(FrameBuilder.FlushMarker(written));
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

    /// <summary>Probes the peer: true when its connection answers within <paramref name="timeout"/>.</summary>
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
            _urgent.Enqueue(ping);
            _writerSignal.Set();
            return await answered.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
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
        Drain(_urgent);
        Drain(_outbound);
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
                // Copy everything queued into the pipe, flushing every so often so a long queue still streams out.
                var batched = 0;
                while (TryTake(out var frame))
                {
                    if (frame.Tag is TaskCompletionSource marker && frame.Kind == FrameKind.FlushMarker)
                    {
                        await _output.FlushAsync().ConfigureAwait(false);
                        marker.TrySetResult();
                        continue;
                    }
                    try
                    {
                        _output.Write(frame.Bytes);
                    }
                    finally
                    {
                        frame.Release();
                    }
                    if (++batched == 256)
                    {
                        batched = 0;
                        if ((await _output.FlushAsync().ConfigureAwait(false)).IsCompleted)
                        {
                            return;
                        }
                    }
                }
                if ((await _output.FlushAsync().ConfigureAwait(false)).IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException or ConnectionResetException or OperationCanceledException or InvalidOperationException)
        {
            Close(IsOpen ? DisconnectReason.NetworkError : DisconnectReason.ClosedLocally, IsOpen ? e.Message : null);
        }
    }

    private bool TryTake(out FrameBuilder frame) => _urgent.TryDequeue(out frame!) || _outbound.TryDequeue(out frame!);

    /// <summary>Releases frames that will never be sent, after the node has accounted for what they carried.</summary>
    private void Drain(ConcurrentQueue<FrameBuilder> queue)
    {
        while (queue.TryDequeue(out var frame))
        {
            if (frame.Tag is TaskCompletionSource marker && frame.Kind == FrameKind.FlushMarker)
            {
                marker.TrySetResult();
                continue;
            }
            if (frame.Tag is not null)
            {
                _transport.Handler.OnUnsent(this, frame);
            }
            frame.Release();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{(IsInitiator ? "to" : "from")} {Remote}";

    [LoggerMessage(EventId = 510, Level = LogLevel.Warning, Message = "Connection with {Peer} closed ({Reason}): {Why}")]
    private static partial void LogClosed(ILogger logger, NodeIdentity peer, DisconnectReason reason, string why);
}

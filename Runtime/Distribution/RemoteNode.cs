using System.Collections.Concurrent;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Processes;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Distribution;

/// <summary>
/// What this node knows and holds about one other node: the connection to it, the frames waiting for that connection,
/// and the session state that must be settled when the connection is lost (Erlang's per-node distribution entry).
/// </summary>
/// <remarks>
/// <para><b>Sending.</b> With an open connection and nothing waiting, a frame goes straight to the connection. Otherwise
/// it waits, in order, while a connection is opened; once open, the waiting frames are sent before any new one. If the
/// node cannot be reached, waiting messages become dead letters, waiting calls and spawns fail with
/// <c>{nodedown, Node}</c>, and links and monitors toward it fire with <c>noconnection</c>.</para>
/// <para><b>Session.</b> While connected, this node records the calls awaiting replies from that node, the links and
/// monitors between local processes and processes there, and the monitors processes there hold on local ones. When
/// the connection is lost, the calls fail with <c>{nodedown, Node}</c>, each link delivers an exit signal
/// <c>noconnection</c> to its local end, each monitor a <see cref="Down"/> with <c>noconnection</c>, and the remote
/// monitors on local processes are removed: the session ends, as in Erlang when a connection goes down.</para>
/// </remarks>
internal sealed class RemoteNode : ICallWatch
{
    private readonly NodeDistribution _distribution;
    private readonly Lock _gate = new();
    private readonly Queue<FrameBuilder> _waiting = new();
    private volatile PeerConnection? _connection;
    private volatile bool _hasWaiting;
    private Task? _connecting;

    public RemoteNode(NodeDistribution distribution, NodeName name)
    {
        _distribution = distribution;
        Name = name;
    }

    /// <summary>The node's name.</summary>
    public NodeName Name { get; }

    /// <summary>The open connection, or null.</summary>
    public PeerConnection? Connection => _connection is { IsOpen: true } connection ? connection : null;

    /// <summary>The connection the session is on, open or not: null once its session has ended.</summary>
    public PeerConnection? Attached => _connection;

    /// <summary>Held while a session begins or ends, so that the end of one is settled before the next begins.</summary>
    public Lock SessionGate { get; } = new();

    /// <summary>Calls awaiting a reply from that node, by correlation id.</summary>
    public ConcurrentDictionary<long, AwaitedReply> PendingCalls { get; } = new();

    /// <summary>Spawns requested on that node, awaiting their answer, by correlation id.</summary>
    public ConcurrentDictionary<long, PendingSpawn> PendingSpawns { get; } = new();

    /// <summary>Links between a local process (first) and a process on that node (second).</summary>
    public ConcurrentDictionary<(Pid Local, Pid Remote), byte> Links { get; } = new();

    /// <summary>Monitors held here on processes there: monitor ref → (the local watcher, the remote target).</summary>
    public ConcurrentDictionary<long, (object Watcher, Pid Target)> Monitors { get; } = new();

    /// <summary>Monitors held there on local processes: their ref → the local watch entry.</summary>
    public ConcurrentDictionary<long, RemoteWatcher> Watchers { get; } = new();

    /// <summary>True while that node is leaving in an orderly way (a loss of its connection is then reported as <see cref="NodeDownReason.Left"/>).</summary>
    public bool IsLeaving { get; set; }

    /// <inheritdoc />
    void ICallWatch.ReleaseCall(long key) => PendingCalls.TryRemove(key, out _);

    /// <summary>
    /// Records that the call sent to that node as <paramref name="correlation"/> is answered through
    /// <paramref name="target"/>, which knows it as <paramref name="token"/>. A local caller's call also learns where it
    /// is registered, to be forgotten here once it completes another way (its timeout).
    /// </summary>
    public void AwaitReply(long correlation, IReplyTarget target, long token)
    {
        PendingCalls[correlation] = new AwaitedReply(target, token);
        (target as IPendingCall)?.SetWatch(this, correlation);
    }

    /// <summary>Records that a local caller's call sent to that node as <paramref name="correlation"/> awaits its reply.</summary>
    public void AwaitReply(long correlation, IPendingCall call) => AwaitReply(correlation, call, correlation);

    /// <summary>Sends a frame to that node, connecting first if needed. Never blocks.</summary>
    public void Send(FrameBuilder frame)
    {
        if (!_hasWaiting && _connection is { } connection && connection.Send(frame))
        {
            return;
        }
        SendSlow(frame);
    }

    private void SendSlow(FrameBuilder frame)
    {
        lock (_gate)
        {
            if (!_hasWaiting && _connection is { IsOpen: true } connection)
            {
                if (connection.Send(frame))
                {
                    return;
                }
            }
            _waiting.Enqueue(frame);
            _hasWaiting = true;
            _connecting ??= ConnectAndFlushAsync();
        }
    }

    /// <summary>Makes sure a connection is open (used by probes and Ping); true when it is.</summary>
    public async Task<bool> EnsureConnectedAsync()
    {
        if (Connection is not null)
        {
            return true;
        }
        Task connecting;
        lock (_gate)
        {
            connecting = _connecting ??= ConnectAndFlushAsync();
        }
        await connecting.ConfigureAwait(false);
        return Connection is not null;
    }

    private async Task ConnectAndFlushAsync()
    {
        await Task.Yield(); // Never connect on the sender's thread.
        PeerConnection? connection = null;
        string? failure = null;
        if (_distribution.EndpointOf(Name) is not { } endpoint)
        {
            if (_distribution.MayBeClient(Name))
            {
                // A name membership has never heard of may be a client's, reached only over a connection it opens; a
                // client opens one at once when it starts or loses one, and what is sent meanwhile waits for it, as it
                // would wait for a dial to a node.
                var wait = _distribution.Transport.Options.ConnectTimeout;
                using var timeout = new CancellationTokenSource(wait);
                connection = await _distribution.Transport.AwaitConnectionAsync(Name, timeout.Token).ConfigureAwait(false);
                failure = $"{Name} is not a member of the cluster, nor a client connected to this node (none connected within {wait})";
            }
            else
            {
                failure = $"{Name} is not a member of the cluster (no address is known for it)";
            }
        }
        else
        {
            try
            {
                connection = await _distribution.Transport.ConnectAsync(endpoint, Name, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ConnectFailedException e)
            {
                failure = e.Message;
                if (e.Code == RefusalCode.DeclaredDead)
                {
                    _distribution.Membership?.OnRefusedAsDead(endpoint, e.Message);
                }
            }
            catch (Exception e)
            {
                // Whatever ended the dial (a bad endpoint, the transport stopping under it): what waits for this node
                // must be settled below, or it would wait for a connection that nobody is making any more.
                failure = e.Message;
            }
        }
        List<FrameBuilder> unsent;
        lock (_gate)
        {
            _connecting = null;
            // The node may have connected to this one meanwhile (its connection was attached): send on that one.
            connection = connection is { IsOpen: true } ? connection : _connection is { IsOpen: true } attached ? attached : null;
            if (connection is not null)
            {
                // The transport has already reported the connection (Attach): flush what waited, in order, before new sends.
                while (_waiting.TryDequeue(out var frame))
                {
                    if (!connection.Send(frame))
                    {
                        _distribution.OnUnsent(this, frame, $"noconnection: the connection to {Name} closed before it was sent");
                    }
                }
                _hasWaiting = false;
                return;
            }
            unsent = [.. _waiting];
            _waiting.Clear();
            _hasWaiting = false;
        }
        foreach (var frame in unsent)
        {
            _distribution.OnUnsent(this, frame, $"noconnection: {failure ?? $"cannot connect to {Name}"}");
        }
    }

    /// <summary>Called by the distribution layer when a connection to this node opened.</summary>
    public void Attach(PeerConnection connection) => _connection = connection;

    /// <summary>
    /// Ends the session with this node (its connection was lost): returns what was recorded, for the distribution layer
    /// to settle, and forgets it.
    /// </summary>
    public SessionState Detach(PeerConnection connection)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_connection, connection))
            {
                return SessionState.Empty;
            }
            _connection = null;
        }
        var state = new SessionState(
            [.. PendingCalls.Values],
            [.. PendingSpawns.Values],
            [.. Links.Keys],
            [.. Monitors.Select(pair => (pair.Key, pair.Value.Watcher, pair.Value.Target))],
            [.. Watchers.Values]);
        PendingCalls.Clear();
        PendingSpawns.Clear();
        Links.Clear();
        Monitors.Clear();
        Watchers.Clear();
        return state;
    }

    /// <summary>A spawn on that node awaiting its answer, and what to record for the spawning process when it comes.</summary>
    /// <param name="Answer">Completes with the new pid.</param>
    /// <param name="Parent">The spawning local process, if any.</param>
    /// <param name="Link">Whether the new process is linked to the parent.</param>
    /// <param name="Monitor">The parent's monitor on the new process, if any.</param>
    public sealed record PendingSpawn(TaskCompletionSource<Pid> Answer, ProcessCell? Parent, bool Link, MonitorRef? Monitor);

    /// <summary>What a lost session leaves to settle.</summary>
    public sealed record SessionState(
        IReadOnlyList<AwaitedReply> Calls,
        IReadOnlyList<PendingSpawn> Spawns,
        IReadOnlyList<(Pid Local, Pid Remote)> Links,
        IReadOnlyList<(long Ref, object Watcher, Pid Target)> Monitors,
        IReadOnlyList<RemoteWatcher> Watchers)
    {
        /// <summary>Nothing to settle.</summary>
        public static SessionState Empty { get; } = new([], [], [], [], []);
    }
}

using System.Buffers;
using System.Text.Json;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Membership;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Gateway;

/// <summary>
/// A client's hold on its cluster (Orleans' client-side gateway manager, in the shape of an Erlang hidden node): it
/// learns the cluster view from one gateway node, keeps it current, keeps a connection open to every active node, and
/// follows the cluster through another node when its gateway is lost.
/// </summary>
/// <remarks>
/// <para><b>Routing: direct, as an Erlang hidden node.</b> A client sends to a process on node N over its own
/// connection to N, using N's address from the view; a virtual process goes to the node that owns its key, computed by
/// the same rendezvous hashing over the same active members every node uses. The gateway relays nothing. Compared with
/// Orleans' way (every message through the gateway, which routes replies back), this costs one connection per node
/// but gives each message one hop instead of two, keeps Erlang's per-pair order and session semantics unchanged (a
/// client's calls, links and monitors toward N end exactly when its connection to N does, so the loss of a gateway
/// does not look like the loss of every node), and leaves no gateway as a bottleneck. The price: the client must be
/// able to reach every node's advertised address, as an Erlang hidden node must.</para>
/// <para><b>Reachability of the client.</b> A client does not listen, so a node can only reach a client pid over a
/// connection the client opened. The client therefore connects to every active node, at start and whenever a node
/// becomes active, and reconnects after a connection is lost while that node is still active: any node that learns a
/// client pid (from a message, a reply, a monitor) can send to it.</para>
/// <para><b>Protocol</b> (see <see cref="ClientGateway"/>): the client sends <see cref="FrameKind.ClusterViewSubscribe"/>
/// to one node, its gateway, which answers with its view and sends every newer one. A gateway is in use only once its
/// first view has arrived. Views carry the table version; the newest one wins.</para>
/// <para><b>Failover.</b> When the connection to the gateway closes, the client subscribes through another active
/// node: one it is connected to, else one it can dial by the view's addresses, else one of the configured gateway
/// addresses; it keeps trying, with growing pauses, until one answers. Calls, links and monitors toward the lost node
/// itself fail at once (<c>{nodedown, Node}</c>, <c>noconnection</c>) as they would on a member; the cluster declares
/// the node dead, the new gateway reports it, and its virtual processes move to the survivors.</para>
/// <para><b>Not a member.</b> The client is in no membership row, is never voted on or declared dead, is never a
/// placement target, and nodes list it in neither <c>Nodes</c> nor node-monitor messages. When it goes, its connections
/// close and each node ends its session with it: links and monitors from the client's processes fire with
/// <c>noconnection</c>. A client that stops answering without closing its connections is disconnected by the nodes'
/// probes (see <see cref="ClientHealthMonitor"/>).</para>
/// </remarks>
internal sealed partial class GatewayManager : IMembershipView, IAsyncDisposable
{
    private readonly ProcessNode _node;
    private readonly NodeDistribution _distribution;
    private readonly IReadOnlyList<string> _seeds;
    private readonly TransportOptions _transport;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The newest cluster view received from any gateway.</summary>
    private readonly MembershipView _view = new();

    /// <summary>The connection of the gateway in use (its first view arrived), or null before the first one.</summary>
    private volatile PeerConnection? _gateway;

    /// <summary>The subscription waiting for its first view.</summary>
    private volatile Subscription? _pending;

    /// <summary>Completed (and replaced) whenever something changed that the maintenance loop must look at.</summary>
    private TaskCompletionSource _wake = NewWake();

    /// <summary>Set while no gateway can be reached, so that the outage is logged once, not at every attempt.</summary>
    private bool _outageLogged;

    private Task? _maintenance;

    /// <param name="node">The client's node.</param>
    /// <param name="distribution">Its distribution layer (its connections).</param>
    /// <param name="seeds">The configured gateway addresses, <c>host:port</c>, tried in order.</param>
    /// <param name="transport">The connection settings (timeouts, reconnection pauses).</param>
    public GatewayManager(ProcessNode node, NodeDistribution distribution, IReadOnlyList<string> seeds, TransportOptions transport)
    {
        _node = node;
        _distribution = distribution;
        _seeds = seeds;
        _transport = transport;
        _logger = node.LoggerFactory.CreateLogger("ProcessGrid.Client");
    }

    /// <summary>The newest cluster view.</summary>
    public MembershipTableData View => _view.Current;

    /// <summary>The node the client follows the cluster through now, or null while it has none.</summary>
    public NodeName? Gateway => _gateway is { IsOpen: true } gateway ? gateway.Remote.Name : null;

    private IEnumerable<MembershipEntry> ActiveMembers => View.Entries.Where(e => e.Status == NodeStatus.Active);

    // ------------------------------------------------------------------------------------------------------------
    // Connecting
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Subscribes through the first configured gateway that answers, then connects to every active node. Addresses
    /// that cannot be reached are tried again, with growing pauses, until <paramref name="maxAttemptTime"/> passes; a
    /// node that refuses the client (another cluster, another cookie) is not asked again.
    /// </summary>
    /// <exception cref="GatewayConnectException">No gateway could be used; it lists what each address answered.</exception>
    public async Task ConnectAsync(TimeSpan maxAttemptTime, CancellationToken cancellationToken)
    {
        var failures = new Dictionary<string, GatewayFailure>(StringComparer.Ordinal);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        deadline.CancelAfter(maxAttemptTime);
        var delay = _transport.ReconnectMinDelay;
        try
        {
            while (true)
            {
                foreach (var endpoint in _seeds)
                {
                    if (failures.TryGetValue(endpoint, out var failed) && failed.IsRefusal)
                    {
                        continue;
                    }
                    var failure = await TrySubscribeAtAsync(endpoint, deadline.Token).ConfigureAwait(false);
                    if (failure is null)
                    {
                        await ConnectToActiveNodesAsync().ConfigureAwait(false);
                        _maintenance = Task.Run(MaintainAsync);
                        return;
                    }
                    failures[endpoint] = failure;
                }
                if (failures.Values.All(f => f.IsRefusal))
                {
                    throw new GatewayConnectException([.. failures.Values], givenUpAfter: null);
                }
                await Task.Delay(delay, deadline.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _transport.ReconnectMaxDelay.Ticks));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            throw new GatewayConnectException([.. failures.Values], maxAttemptTime);
        }
    }

    /// <summary>Dials <paramref name="endpoint"/> and subscribes there. Returns null on success, else why not.</summary>
    private async Task<GatewayFailure?> TrySubscribeAtAsync(string endpoint, CancellationToken cancellationToken)
    {
        PeerConnection connection;
        try
        {
            connection = await _distribution.Transport.ConnectAsync(endpoint, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectFailedException e)
        {
            // A handshake that failed is an answer (another cluster, another cookie): asking again will not change it.
            return new GatewayFailure(endpoint, StripPrefix(e, endpoint), IsRefusal: e.InnerException is HandshakeFailedException);
        }
        catch (ArgumentException e)
        {
            return new GatewayFailure(endpoint, e.Message, IsRefusal: true);
        }
        if (connection.Remote.Role != PeerRole.Node)
        {
            return new GatewayFailure(endpoint, $"{connection.Remote.Name} is a client, not a node of the cluster", IsRefusal: true);
        }
        return await SubscribeAsync(connection, cancellationToken).ConfigureAwait(false)
            ? null
            : new GatewayFailure(endpoint, $"{connection.Remote.Name} accepted the connection but sent no cluster view within {_transport.HandshakeTimeout}", IsRefusal: false);
    }

    private static string StripPrefix(ConnectFailedException e, string endpoint)
    {
        var prefix = $"Cannot connect to {endpoint}: ";
        return e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message;
    }

    /// <summary>Subscribes to the view on <paramref name="connection"/>; true once its first view has arrived (it is then the gateway).</summary>
    private async Task<bool> SubscribeAsync(PeerConnection connection, CancellationToken cancellationToken)
    {
        var subscription = new Subscription(connection);
        _pending = subscription;
        var frame = FrameBuilder.Start(FrameKind.ClusterViewSubscribe);
        if (!connection.Send(frame))
        {
            frame.Release();
            return false;
        }
        try
        {
            await Task.WhenAny(subscription.FirstView.Task, connection.Closed).WaitAsync(_transport.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        if (!subscription.FirstView.Task.IsCompleted || !connection.IsOpen)
        {
            return false;
        }
        var previous = _gateway;
        _gateway = connection;
        if (previous is null)
        {
            LogFollowing(_logger, _node.Node, connection.Remote.Name, View.Version);
        }
        else
        {
            LogFailedOver(_logger, _node.Node, previous.Remote.Name, connection.Remote.Name);
        }
        _outageLogged = false;
        return true;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Keeping the view and the connections
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Runs until the client stops: replaces a lost gateway, and connects to every active node it is not connected
    /// to. Sleeps until something changes (a view, a lost connection); while something fails, retries with pauses
    /// growing from <see cref="TransportOptions.ReconnectMinDelay"/> to <see cref="TransportOptions.ReconnectMaxDelay"/>.
    /// </summary>
    private async Task MaintainAsync()
    {
        var delay = _transport.ReconnectMinDelay;
        while (!_stopping.IsCancellationRequested)
        {
            // Taken before looking, so that a change made while this round looks wakes the next wait.
            var wake = Volatile.Read(ref _wake);
            try
            {
                var hasGateway = await EnsureGatewayAsync().ConfigureAwait(false);
                var meshComplete = await ConnectToActiveNodesAsync().ConfigureAwait(false);
                if (hasGateway && meshComplete)
                {
                    delay = _transport.ReconnectMinDelay;
                    await wake.Task.WaitAsync(_stopping.Token).ConfigureAwait(false);
                    continue;
                }
                try
                {
                    await wake.Task.WaitAsync(delay, _stopping.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Time to try again.
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _transport.ReconnectMaxDelay.Ticks));
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Keeps a gateway: true when the current one is open, or another one answered.</summary>
    private async Task<bool> EnsureGatewayAsync()
    {
        if (_gateway is { IsOpen: true })
        {
            return true;
        }
        // Any active node can be the gateway: first those already connected (no dial), in random order so that the
        // clients of a lost gateway spread over the survivors; then those the view says where to dial; then the seeds.
        var active = ActiveMembers.Select(e => e.Name).Distinct().ToArray();
        Random.Shared.Shuffle(active);
        foreach (var name in active.OrderBy(name => _distribution.Get(name).Connection is null))
        {
            var remote = _distribution.Get(name);
            if (await remote.EnsureConnectedAsync().ConfigureAwait(false)
                && remote.Connection is { } connection
                && await SubscribeAsync(connection, _stopping.Token).ConfigureAwait(false))
            {
                return true;
            }
        }
        foreach (var endpoint in _seeds)
        {
            if (await TrySubscribeAtAsync(endpoint, _stopping.Token).ConfigureAwait(false) is null)
            {
                return true;
            }
        }
        if (!_outageLogged)
        {
            _outageLogged = true;
            LogNoGateway(_logger, _node.Node, string.Join(", ", active.Select(n => n.Value).Concat(_seeds)));
        }
        return false;
    }

    /// <summary>Connects to every active node the client is not connected to; true when it is connected to all of them.</summary>
    private async Task<bool> ConnectToActiveNodesAsync()
    {
        var missing = ActiveMembers.Select(e => _distribution.Get(e.Name)).Where(remote => remote.Connection is null).Distinct().ToList();
        if (missing.Count == 0)
        {
            return true;
        }
        var connected = await Task.WhenAll(missing.Select(remote => remote.EnsureConnectedAsync())).ConfigureAwait(false);
        return connected.All(ok => ok);
    }

    /// <summary>Adopts <paramref name="data"/> if it is newer than the current view, and acts on what changed.</summary>
    private void Apply(MembershipTableData data)
    {
        if (!_view.TryAdvance(data, out var previous))
        {
            return;
        }
        _node.Placement.OnMembersChanged(data.Version, data.Entries.Where(e => e.Status == NodeStatus.Active).Select(e => e.Name));
        foreach (var entry in data.Entries)
        {
            var before = previous.Entries.FirstOrDefault(e => e.Is(entry.Name, entry.Creation));
            if (before?.Status == entry.Status)
            {
                continue;
            }
            switch (entry.Status)
            {
                case NodeStatus.Dead:
                    if (_distribution.Transport.Find(entry.Name) is { } connection && connection.Remote.Creation == entry.Creation)
                    {
                        _distribution.OnDeclaredDead(entry.Name);
                    }
                    break;
                case NodeStatus.ShuttingDown:
                    _distribution.OnLeaving(entry.Name);
                    break;
            }
        }
        Wake();
    }

    private void Wake() => Interlocked.Exchange(ref _wake, NewWake()).TrySetResult();

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // ------------------------------------------------------------------------------------------------------------
    // IMembershipView
    // ------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public string? EndpointOf(NodeName node) =>
        View.Entries.Where(e => e.Name == node && e.Status != NodeStatus.Dead).OrderByDescending(e => e.Creation).FirstOrDefault()?.Endpoint;

    /// <inheritdoc />
    public bool IsMember(NodeName node) => View.Entries.Any(e => e.Name == node);

    /// <inheritdoc />
    public Refusal? RefusalFor(NodeIdentity peer) => Refusal.Other("a client accepts no connections");

    /// <inheritdoc />
    public void OnRefusedAsDead(string peerEndpoint, string reason) => LogRefused(_logger, peerEndpoint, reason);

    /// <inheritdoc />
    public void OnConnectionLost(NodeName node) => Wake();

    /// <inheritdoc />
    public bool OnFrame(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload)
    {
        if (kind != FrameKind.ClusterView)
        {
            return false;
        }
        MembershipTableData view;
        try
        {
            view = _distribution.Serializer.Deserialize(payload) as MembershipTableData
                ?? throw new FrameProtocolException("A cluster view frame held something else.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new FrameProtocolException($"A cluster view could not be read: {e.Message}");
        }
        Apply(view);
        if (_pending is { } pending && ReferenceEquals(pending.Connection, connection))
        {
            pending.FirstView.TrySetResult();
        }
        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_maintenance is { } maintenance)
        {
            await maintenance.ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    /// <summary>A subscription sent on <paramref name="Connection"/>, waiting for its first view.</summary>
    private sealed record Subscription(PeerConnection Connection)
    {
        public TaskCompletionSource FirstView { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Client {Client} follows the cluster through {Gateway} (view version {Version})")]
    private static partial void LogFollowing(ILogger logger, NodeName client, NodeName gateway, long version);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "Client {Client} lost its gateway {Lost}; it now follows the cluster through {Gateway}")]
    private static partial void LogFailedOver(ILogger logger, NodeName client, NodeName lost, NodeName gateway);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Client {Client} can reach no gateway (tried {Tried}); it keeps trying")]
    private static partial void LogNoGateway(ILogger logger, NodeName client, string tried);

    [LoggerMessage(EventId = 703, Level = LogLevel.Error, Message = "The node at {Endpoint} refused this client: {Reason}. Client names must be unique: is another client running with this name?")]
    private static partial void LogRefused(ILogger logger, string endpoint, string reason);
}

using System.Net;
using System.Net.Sockets;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Membership;
using ProcessGrid.Runtime.Processes;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime;

/// <summary>The node in its cluster: starting distributed, the node API (Erlang's <c>net_kernel</c>), and leaving.</summary>
public sealed partial class ProcessNode
{
    private readonly TaskCompletionSource<NodeTermination> _termination = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private NodeDistribution? _distribution;
    private MembershipService? _membership;

    /// <summary>In a development cluster, this node's way to the seed (the node at ProcessGrid:Cluster:Join).</summary>
    private SeedConnection? _seed;

    /// <summary>As the seed of a development cluster: the membership table it keeps for the cluster.</summary>
    private InMemoryMembershipTable? _seedTable;

    /// <summary>The distribution layer, when the node is distributed.</summary>
    internal NodeDistribution? Distribution => _distribution;

    /// <summary>Membership, when the node is distributed.</summary>
    internal MembershipService? Membership => _membership;

    /// <summary>Completes when the node has stopped, saying whether it stopped on request or because the cluster declared it dead.</summary>
    public Task<NodeTermination> Termination => _termination.Task;

    /// <summary>The address other nodes reach this one at (<c>host:port</c>), or null when it is not distributed.</summary>
    public string? Endpoint => _distribution?.Transport.Self.Endpoint;

    /// <summary>
    /// Creates and starts a node, and when <see cref="Hosting.ProcessGridOptions.Cluster"/> says so, joins its cluster
    /// (listens, reaches membership, becomes active) before returning.
    /// </summary>
    public static async Task<ProcessNode> StartAsync(
        Hosting.ProcessGridOptions options, IServiceProvider? services = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var node = new ProcessNode(options, services, loggerFactory);
        try
        {
            await node.StartNodeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return node;
    }

    /// <summary>Starts the node, and joins its cluster when it is distributed.</summary>
    /// <exception cref="IOException">The listen address cannot be bound.</exception>
    /// <exception cref="InvalidOperationException">The node could not join its cluster; the message says why.</exception>
    public async Task StartNodeAsync(CancellationToken cancellationToken = default)
    {
        StartLocal();
        var cluster = _options.Cluster;
        if (!cluster.IsDistributed)
        {
            StartKernel();
            return;
        }
        var cookie = ClusterCookie.Resolve(cluster.Cookie);
        _distribution = new NodeDistribution(this, new NodeIdentity(Node, Creation, "", PeerRole.Node), cluster.ClusterId, cookie, cluster.Transport, LoggerFactory);
        var listen = await ResolveListenAsync(cluster.Listen!, cancellationToken).ConfigureAwait(false);
        await _distribution.Transport.ListenAsync(listen, Advertise, cancellationToken).ConfigureAwait(false);

        _seed = cluster.Database is null && cluster.Join is { } join ? new SeedConnection(_distribution.Transport, join) : null;
        IMembershipTable table = cluster.Database is { } database
            ? new PostgresMembershipTable(database, cluster.ClusterId)
            : _seed is { } seed
                ? new RemoteMembershipTable(_distribution, seed, cluster.Membership.ProbeTimeout * 10)
                : _seedTable = new InMemoryMembershipTable();
        _membership = new MembershipService(this, _distribution, table, cluster.Membership, servesTable: cluster.Database is null && cluster.Join is null);
        _distribution.Membership = _membership;
        // The kernel services run before the node is active, so that a peer that sees it can use them at once.
        StartKernel();
        await _membership.JoinAsync(cancellationToken).ConfigureAwait(false);
        await KernelReadyAsync(cluster.Membership.ProbeTimeout * 10, cancellationToken).ConfigureAwait(false);
    }

    private string Advertise(IPEndPoint bound)
    {
        if (_options.Cluster.AdvertisedEndpoint is { } configured)
        {
            return configured;
        }
        var host = bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any)
            ? Node.Host
            : bound.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bound.Address}]" : bound.Address.ToString();
        return $"{host}:{bound.Port}";
    }

    private static async Task<IPEndPoint> ResolveListenAsync(string listen, CancellationToken cancellationToken)
    {
        var (host, port) = ClusterTransport.ParseEndpoint(listen);
        IPAddress address = host switch
        {
            "*" or "+" or "0.0.0.0" => IPAddress.Any,
            "::" => IPAddress.IPv6Any,
            "localhost" => IPAddress.Loopback,
            _ when IPAddress.TryParse(host, out var literal) => literal,
            _ => (await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
                 ?? throw new ArgumentException($"ProcessGrid:Cluster:Listen host '{host}' does not resolve to an address."),
        };
        return new IPEndPoint(address, port);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Node API
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public IReadOnlyList<NodeName> Nodes => _distribution?.ConnectedNodes ?? [];

    /// <inheritdoc />
    public async Task<bool> PingAsync(NodeName node)
    {
        if (node == Node)
        {
            return true;
        }
        return _distribution is { } distribution && await distribution.PingAsync(node, _options.Cluster.Membership.ProbeTimeout * 4).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public bool Disconnect(NodeName node) => _distribution?.Disconnect(node) ?? false;

    /// <inheritdoc />
    public void MonitorNodes(Pid subscriber, bool enable = true)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        _distribution?.MonitorNodes(subscriber, enable);
    }

    /// <inheritdoc />
    public ValueTask<Pid> SpawnAsync<TProcess>(NodeName node, params object[] args) where TProcess : ProcessBehavior =>
        SpawnOnAsync(node, typeof(TProcess), args, null, link: false, monitor: null);

    /// <inheritdoc />
    public Pid Spawn(NodeName node, Func<IProcessContext, Task> body) => node == Node
        ? Spawn(body)
        : throw new NotSupportedException(
            $"A function (closure) cannot be spawned on {node}: code does not travel between nodes. " +
            "Spawn a process class there by type instead: SpawnAsync<TProcess>(node, args).");

    /// <inheritdoc />
    public void Send(string name, NodeName node, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (node == Node)
        {
            if (Names.Find(name) is { } cell)
            {
                cell.Post(new Messaging.Envelope(Messaging.EnvelopeKind.Message, message));
            }
            else
            {
                DeadLetterOffice.Report($"{{{name},{Node}}}", message, $"noproc: no process is registered as '{name}' on {Node}");
            }
            return;
        }
        if (_distribution is { } distribution)
        {
            distribution.SendNamed(name, node, message);
        }
        else
        {
            DeadLetterOffice.Report($"{{{name},{node}}}", message, $"noconnection: this node is not distributed, so it cannot reach {node}");
        }
    }

    /// <summary>Spawns a process class on <paramref name="node"/> (this node included), optionally linked to or monitored by <paramref name="parent"/>.</summary>
    internal async ValueTask<Pid> SpawnOnAsync(NodeName node, Type type, object[] args, ProcessCell? parent, bool link, MonitorRef? monitor)
    {
        if (node == Node)
        {
            return SpawnBehavior(type, args, null, parent, link, monitor, startWaiter: null);
        }
        if (!typeof(ProcessBehavior).IsAssignableFrom(type) || type.IsAbstract)
        {
            throw new ArgumentException($"{type.FullName} cannot run as a process: it must be a concrete GridProcess or GenServer class.", nameof(type));
        }
        if (_distribution is not { } distribution)
        {
            throw new ProcessStartException(type.FullName ?? type.Name, ExitReason.NodeDown(node));
        }
        return await distribution.SpawnAsync(node, type, args, parent, link, monitor).ConfigureAwait(false);
    }

    /// <summary>Creates (without starting) a process asked for by another node, linked to or monitored by its remote parent.</summary>
    internal ProcessCell SpawnForRemote(Type type, object[] args, Pid? parent, bool link, long? monitorRef, RemoteNode from)
    {
        EnsureRunning();
        var behavior = CreateBehavior(type, args);
        var pid = NewPid();
        ProcessCell cell = behavior switch
        {
            GenServer server => new ServerProcessCell(this, pid, parent ?? SystemPid, server),
            GridProcess process => new FunctionProcessCell(this, pid, parent ?? SystemPid, process),
            _ => throw new ArgumentException($"{type.FullName} is neither a GridProcess nor a GenServer."),
        };
        Table.Add(cell);
        if (parent is not null && link)
        {
            cell.AcceptLink(parent, null);
            from.Links[(pid, parent)] = 0;
        }
        if (parent is not null && monitorRef is { } remoteRef)
        {
            var localKey = NewMonitorRef().Value;
            var watcher = new RemoteWatcher(_distribution!, from, parent, remoteRef, cell, localKey);
            from.Watchers[remoteRef] = watcher;
            cell.AddWatcher(localKey, watcher);
        }
        return cell;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Leaving
    // ----------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// The cluster declared this node dead (it was unreachable, or partitioned away): it must not go on as if it were a
    /// member. Every process ends, connections close, and <see cref="Termination"/> completes with
    /// <see cref="NodeTermination.DeclaredDead"/> (the silo then exits so that its supervisor restarts it as a new creation).
    /// </summary>
    internal async Task OnDeclaredDeadAsync()
    {
        if (Interlocked.CompareExchange(ref _lifecycle, Stopping, Started) != Started)
        {
            return;
        }
        var reason = ExitReason.ShutdownWith("declared dead");
        foreach (var cell in Table.All.ToList())
        {
            cell.Die(reason);
        }
        foreach (var cell in Activations.All.ToList())
        {
            cell.Die(reason);
        }
        await StopKernelAsync().ConfigureAwait(false);
        await StopClusterAsync(CancellationToken.None, leave: false).ConfigureAwait(false);
        FinishStop(NodeTermination.DeclaredDead);
    }

    private async Task StopClusterAsync(CancellationToken cancellationToken, bool leave)
    {
        if (_membership is { } membership)
        {
            if (leave)
            {
                await membership.CompleteLeaveAsync(cancellationToken).ConfigureAwait(false);
            }
            await membership.DisposeAsync().ConfigureAwait(false);
        }
        if (_distribution is { } distribution)
        {
            await distribution.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>How a node ended.</summary>
public enum NodeTermination
{
    /// <summary>It was stopped (gracefully, on request).</summary>
    Stopped,

    /// <summary>The cluster declared it dead, and it stopped itself.</summary>
    DeclaredDead,
}

using ProcessGrid.Runtime;
using ProcessGrid.Runtime.Gateway;
using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Client;

/// <summary>
/// A program's way into a grid it is not a member of (an Orleans client; an Erlang hidden node): the same
/// <see cref="IProcessGrid"/> API as code on a node, so <c>Send</c>, <c>Call</c>, <c>Cast</c>, <c>Link</c>,
/// <c>Monitor</c> and <c>Exit</c> reach any process of the cluster, spawned or virtual.
/// </summary>
/// <remarks>
/// <para><b>What it is.</b> A client is a node of its own in a client role: it runs its own processes (spawn one to
/// receive replies, <see cref="Down"/> messages, <see cref="NodeUp"/> and <see cref="NodeDown"/>), but it has no
/// membership row, hosts no virtual process, is never a placement target, and nodes list it neither in their
/// <c>Nodes</c> nor in node-monitor messages.</para>
/// <para><b>How it reaches the cluster.</b> It connects through one of its gateways, learns the cluster's active nodes
/// and their addresses, and then talks to each node over its own connection (a virtual process at the node that owns
/// its key), as an Erlang hidden node does, rather than relaying every message through the gateway as an Orleans
/// client does: one hop per message, Erlang's order between each pair of processes, a session per node (the loss of
/// the gateway is not the loss of every node), and no gateway as a bottleneck. It must therefore be able to reach
/// every node's advertised address, and it keeps a connection to each active node so that any node can reach the
/// client's processes.</para>
/// <para><b>Failures.</b> When its gateway dies, the client follows the cluster through another node and keeps
/// working. When a node dies, the calls waiting on it fail at once with <c>{nodedown, Node}</c>, monitors and links
/// of the client's processes on its processes fire with <c>noconnection</c>, and virtual processes move to the
/// survivors once the cluster has declared it dead. When the client goes (closed, or its process killed), each node
/// ends its session with it: links and monitors held from the client's processes fire with <c>noconnection</c> (or
/// the exit reason of processes a closing client stopped); membership is not touched.</para>
/// </remarks>
/// <example>
/// <code>
/// var options = new GridClientOptions { ClusterId = "orders", Cookie = secret };
/// options.Gateways.Add("10.0.0.5:4370");
/// await using var grid = await GridClient.ConnectAsync(options);
/// var total = await grid.Call&lt;long&gt;(grid.Virtual&lt;Counter&gt;("visits"), new Counter.Add(1));
/// </code>
/// </example>
public sealed class GridClient : IProcessGrid, IAsyncDisposable
{
    private readonly ProcessNode _node;
    private readonly GatewayManager _gateways;

    private GridClient(ProcessNode node, GatewayManager gateways)
    {
        _node = node;
        _gateways = gateways;
    }

    /// <summary>
    /// Connects to the cluster through the first of <see cref="GridClientOptions.Gateways"/> that answers, and returns
    /// once the client knows the cluster's active nodes and is connected to them.
    /// </summary>
    /// <param name="options">The gateways, the cluster's id and cookie, the client's name.</param>
    /// <param name="services">Services for process classes the client spawns (constructor injection); null for none.</param>
    /// <param name="loggerFactory">Where the client logs; null for nowhere.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    /// <exception cref="GridConnectException">
    /// No gateway answered within <see cref="GridClientOptions.MaxConnectAttemptTime"/>, or the nodes that answered
    /// refused the client (another cluster id, another cookie); the message says what each address answered and what
    /// to check.
    /// </exception>
    public static async Task<GridClient> ConnectAsync(
        GridClientOptions options, IServiceProvider? services = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var node = new ProcessNode(options.ToNodeOptions(options.Name ?? GridClientOptions.DefaultName()), services, loggerFactory);
        try
        {
            await node.StartAsClientAsync(options.GatewayEndpoints, options.MaxConnectAttemptTime, cancellationToken).ConfigureAwait(false);
        }
        catch (GatewayConnectException e)
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw GridConnectException.From(options, node.Node, e);
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new GridClient(node, node.Gateways!);
    }

    /// <summary>The node the client follows the cluster through now, or null while it can reach none (it keeps trying).</summary>
    public NodeName? Gateway => _gateways.Gateway;

    /// <summary>The cluster's member nodes (joining, active, leaving) as the gateway last reported them, by name.</summary>
    public IReadOnlyList<ClusterMember> Members =>
    [
        .. _gateways.View.Entries
            .Where(e => e.Status != NodeStatus.Dead)
            .OrderBy(e => e.Name.Value, StringComparer.Ordinal)
            .Select(e => new ClusterMember(e.Name, e.Creation, e.Endpoint, e.Status switch
            {
                NodeStatus.Joining => MemberStatus.Joining,
                NodeStatus.Active => MemberStatus.Active,
                _ => MemberStatus.ShuttingDown,
            })),
    ];

    /// <summary>The client's own node name (its pids carry it).</summary>
    public NodeName Node => _node.Node;

    /// <inheritdoc />
    public long Creation => _node.Creation;

    /// <summary>
    /// The nodes of the cluster this client is connected to now (Erlang's <c>nodes()</c> on a hidden node): every active
    /// node, since a client connects to all of them, less any it has just lost.
    /// </summary>
    public IReadOnlyList<NodeName> Nodes => _node.Nodes;

    /// <inheritdoc />
    public IDeadLetters DeadLetters => _node.DeadLetters;

    /// <summary>Cluster-wide names (Erlang's <c>global</c>), through the cluster's nodes.</summary>
    public IGlobalRegistry Global => _node.Global;

    /// <summary>Process groups (Erlang's <c>pg</c>), through the cluster's nodes.</summary>
    public IProcessGroups Groups => _node.Groups;

    /// <summary>Remote procedure calls (Erlang's <c>rpc</c>) to the cluster's nodes.</summary>
    public IRpc Rpc => _node.Rpc;

    /// <summary>Spawns a process in the client (to receive replies, <see cref="Down"/>, <see cref="NodeUp"/>/<see cref="NodeDown"/>...).</summary>
    public Pid Spawn(Func<IProcessContext, Task> body, SpawnOptions? options = null) => _node.Spawn(body, options);

    /// <inheritdoc />
    public Pid Spawn<TProcess>(params object[] args) where TProcess : ProcessBehavior => _node.Spawn<TProcess>(args);

    /// <inheritdoc />
    public Pid Spawn<TProcess>(SpawnOptions options, params object[] args) where TProcess : ProcessBehavior => _node.Spawn<TProcess>(options, args);

    /// <inheritdoc />
    public ValueTask<Pid> StartAsync<TProcess>(params object[] args) where TProcess : ProcessBehavior => _node.StartAsync<TProcess>(args);

    /// <inheritdoc />
    public ValueTask<Pid> StartAsync<TProcess>(SpawnOptions options, params object[] args) where TProcess : ProcessBehavior => _node.StartAsync<TProcess>(options, args);

    /// <summary>
    /// The pid of a virtual process of the cluster. Messages to it go to the node that owns its key (the client hosts
    /// none), where it is activated as for any sender.
    /// </summary>
    public Pid Virtual<TProcess>(string key) where TProcess : GenServer => _node.Virtual<TProcess>(key);

    /// <inheritdoc />
    public void Send(Pid to, object message) => _node.Send(to, message);

    /// <summary>Sends to a process registered as <paramref name="name"/> in the client.</summary>
    /// <exception cref="NameNotRegisteredException">No process of the client holds the name.</exception>
    public void Send(string name, object message) => _node.Send(name, message);

    /// <inheritdoc />
    public void Send(string name, NodeName node, object message) => _node.Send(name, node, message);

    /// <inheritdoc />
    public ValueTask<TReply> Call<TReply>(string name, NodeName node, object request, TimeSpan? timeout = null) => _node.Call<TReply>(name, node, request, timeout);

    /// <inheritdoc />
    public void Cast(Pid to, object message) => _node.Cast(to, message);

    /// <inheritdoc />
    public ValueTask<TReply> Call<TReply>(Pid to, object request, TimeSpan? timeout = null) => _node.Call<TReply>(to, request, timeout);

    /// <summary>Calls the process registered as <paramref name="name"/> in the client.</summary>
    public ValueTask<TReply> Call<TReply>(string name, object request, TimeSpan? timeout = null) => _node.Call<TReply>(name, request, timeout);

    /// <inheritdoc />
    public void Exit(Pid pid, ExitReason reason) => _node.Exit(pid, reason);

    /// <summary>Registers a process of the client under a name local to the client.</summary>
    public void Register(string name, Pid pid) => _node.Register(name, pid);

    /// <inheritdoc />
    public bool Unregister(string name) => _node.Unregister(name);

    /// <inheritdoc />
    public Pid? Whereis(string name) => _node.Whereis(name);

    /// <inheritdoc />
    public IReadOnlyList<string> Registered() => _node.Registered();

    /// <inheritdoc />
    public TimerRef SendAfter(TimeSpan delay, Pid to, object message) => _node.SendAfter(delay, to, message);

    /// <inheritdoc />
    public TimeSpan? CancelTimer(TimerRef timer) => _node.CancelTimer(timer);

    /// <summary>A snapshot of a process of the client, or null when it is not alive here.</summary>
    public ProcessInfo? GetProcessInfo(Pid pid) => _node.GetProcessInfo(pid);

    /// <summary>The live processes of the client.</summary>
    public IReadOnlyList<Pid> Processes() => _node.Processes();

    /// <inheritdoc />
    public Task<ExitReason> WhenExited(Pid pid) => _node.WhenExited(pid);

    /// <inheritdoc />
    public Task<bool> PingAsync(NodeName node) => _node.PingAsync(node);

    /// <summary>
    /// Closes the connection to <paramref name="node"/>, as <see cref="IProcessGrid.Disconnect"/> does; the client
    /// connects to it again shortly while it is an active node (so that the node can reach the client's processes).
    /// </summary>
    public bool Disconnect(NodeName node) => _node.Disconnect(node);

    /// <inheritdoc />
    public void MonitorNodes(Pid subscriber, bool enable = true) => _node.MonitorNodes(subscriber, enable);

    /// <inheritdoc />
    public ValueTask<Pid> SpawnAsync<TProcess>(NodeName node, params object[] args) where TProcess : ProcessBehavior => _node.SpawnAsync<TProcess>(node, args);

    /// <inheritdoc />
    public Pid Spawn(NodeName node, Func<IProcessContext, Task> body) => _node.Spawn(node, body);

    /// <inheritdoc />
    public Pid ParsePid(string text) => _node.ParsePid(text);

    /// <summary>
    /// Closes the client: its processes stop (processes started from outside any process get <c>shutdown</c>, newest
    /// first, each waited for), then its connections close and each node ends its session with it.
    /// </summary>
    public Task CloseAsync(CancellationToken cancellationToken = default) => _node.StopAsync(cancellationToken);

    /// <summary>Closes the client (see <see cref="CloseAsync"/>).</summary>
    public async ValueTask DisposeAsync() => await _node.StopAsync().ConfigureAwait(false);

    /// <summary>The client's own node (for tests and the runtime's services).</summary>
    internal ProcessNode InnerNode => _node;

    /// <inheritdoc />
    public override string ToString() => $"grid client {Node}{(Gateway is { } gateway ? $" via {gateway}" : " (no gateway)")}";
}

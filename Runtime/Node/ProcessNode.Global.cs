using System.Buffers;
using ProcessGrid.Runtime.Global;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime;

/// <summary>The node's cluster-wide names (Erlang's <c>global</c>): see <see cref="GlobalRegistry"/>.</summary>
public sealed partial class ProcessNode
{
    private GlobalRegistry? _global;

    /// <summary>As the seed of a development cluster: what answers the other nodes' global table requests.</summary>
    private DevelopmentGlobalServer? _globalServer;

    /// <summary>As another node of a development cluster: the seed's global table, as this node reaches it.</summary>
    private RemoteGlobalTable? _remoteGlobal;

    /// <inheritdoc />
    public IGlobalRegistry Global => _global ?? throw (IsClient
        ? new InvalidOperationException(
            $"{Node} is a client of its cluster, and global names are kept by the cluster's members: register them from a process on " +
            $"a node, and look them up by asking a node with rpc (grid.Rpc.Call<Pid?>(node, GridFunctions.GlobalWhereis, [name]), or {GridFunctions.GlobalNames}).")
        : new InvalidOperationException($"Node {Node} has not been started: call StartNode() (the generic host does this for you)."));

    /// <summary>Completes when the global names have been loaded.</summary>
    private Task GlobalReady => _global?.Loaded ?? Task.CompletedTask;

    /// <summary>
    /// Starts the registry over the table the cluster's configuration calls for: the cluster's database; in a
    /// development cluster, the seed's table (kept by the seed, beside its membership table, and reached by the others
    /// through it); on a node on its own, a table in its memory.
    /// </summary>
    private void StartGlobal()
    {
        var cluster = _options.Cluster;
        var logger = LoggerFactory.CreateLogger("ProcessGrid.Global");
        (IGlobalTable? table, string? unavailable) = cluster switch
        {
            { Database: { } database } => (new PostgresGlobalTable(database, cluster.ClusterId, Node, Creation, logger), null),
            { IsDistributed: false } => (InMemoryGlobalTable.ForLoneNode(Node, Creation), null),
            _ when _seed is { } seed => (_remoteGlobal = new RemoteGlobalTable(seed, cluster.Membership.ProbeTimeout * 10, logger), null),
            _ when _seedTable is { } membership => (HostGlobalTable(membership, logger), null),
            _ => ((IGlobalTable?)null,
                  $"Node {Node} has no global table: global names need the cluster's database (ProcessGrid:Cluster:Database), or in a development cluster " +
                  "the seed node, which keeps them (the others name it with ProcessGrid:Cluster:Join). Configure one, or use node-local names (grid.Register)."),
        };
        _global = new GlobalRegistry(this, table, unavailable);
        _global.Start();
    }

    /// <summary>The seed's global table, fenced by the membership table it keeps, and served to the other nodes.</summary>
    private InMemoryGlobalTable HostGlobalTable(IGlobalFence membership, ILogger logger)
    {
        var table = new InMemoryGlobalTable(membership);
        _globalServer = new DevelopmentGlobalServer(this, table, _options.Cluster.Transport.MaxFrameSize, logger);
        return table;
    }

    /// <summary>Handles a frame of the development cluster's global table (a request to the seed, or the seed's answer, snapshot or change).</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed, or is for a role this node does not have: its connection closes.</exception>
    internal void OnGlobalFrame(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload)
    {
        if (kind == FrameKind.GlobalRequest)
        {
            if (_globalServer is { } server)
            {
                server.OnRequest(connection, payload);
            }
            else
            {
                DevelopmentGlobalServer.Refuse(connection, payload, _seedTable is null
                    ? $"{Node} does not keep the global table: it is not the seed of a development cluster. Join the seed (the node started without ProcessGrid:Cluster:Join)."
                    : $"{Node} keeps the global table but is still starting; try again.");
            }
            return;
        }
        var remote = _remoteGlobal ?? throw new FrameProtocolException(
            $"{connection.Remote.Name} sent global table traffic ({kind}) to {Node}, which does not use a seed's global table.");
        switch (kind)
        {
            case FrameKind.GlobalAnswer:
                remote.OnAnswer(payload);
                break;
            case FrameKind.GlobalSnapshot:
                remote.OnSnapshot(payload);
                break;
            case FrameKind.GlobalChange:
                remote.OnChange(payload);
                break;
            default:
                throw new FrameProtocolException($"{kind} is not a frame of the global table.");
        }
    }

    private async Task StopGlobalAsync()
    {
        if (_global is { } global)
        {
            await global.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnMemberDeadGlobal(NodeName node, long creation) => _global?.OnNodeDead(node, creation);
}

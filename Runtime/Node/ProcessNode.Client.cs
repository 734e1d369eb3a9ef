using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Gateway;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime;

/// <summary>
/// The node in the client role: a node of its own (its processes, names, timers) that reaches a cluster without
/// joining it, as an Erlang hidden node or an Orleans client does (see <see cref="GatewayManager"/>).
/// </summary>
/// <remarks>
/// A client node is distributed but does not listen: it dials the cluster's nodes and proves the cookie as
/// <see cref="PeerRole.Client"/>; it has no membership row and is never a placement target, so it hosts no virtual
/// process (a message for one goes to the node that owns its key). Of the kernel services it runs rpc, as an Erlang
/// hidden node runs its <c>rex</c>: it calls functions on the cluster's nodes (and serves its own to whoever calls it).
/// Global names and process groups are the members' shared state, which a client does not take part in (as hidden
/// nodes stay out of <c>global</c> and <c>pg</c>); asking for them on a client says so.
/// </remarks>
public sealed partial class ProcessNode
{
    /// <summary>True when this node is a client of a cluster rather than a member.</summary>
    internal bool IsClient { get; private set; }

    /// <summary>The client's hold on its cluster (its view, its gateway), when this node is a client.</summary>
    internal GatewayManager? Gateways { get; private set; }

    /// <summary>
    /// Starts the node as a client of the cluster <see cref="Hosting.ProcessGridOptions.Cluster"/> names (cluster id,
    /// cookie, transport settings), and returns once it follows the cluster through one of <paramref name="gateways"/>
    /// and is connected to the active nodes.
    /// </summary>
    /// <exception cref="GatewayConnectException">No gateway could be used within <paramref name="maxAttemptTime"/>, or every one refused.</exception>
    internal async Task StartAsClientAsync(IReadOnlyList<string> gateways, TimeSpan maxAttemptTime, CancellationToken cancellationToken)
    {
        if (_options.Cluster.IsDistributed)
        {
            throw new ArgumentException($"A client does not listen for nodes: leave {Cluster.ClusterOptions.SectionName}:Listen unset for a client.");
        }
        IsClient = true;
        StartLocal();
        StartRpc();
        var cluster = _options.Cluster;
        var cookie = ClusterCookie.Resolve(cluster.Cookie);
        _distribution = new NodeDistribution(this, new NodeIdentity(Node, Creation, "", PeerRole.Client), cluster.ClusterId, cookie, cluster.Transport, LoggerFactory);
        // Stopped with the kernel services: after the node's processes, before its connections close.
        var manager = new GatewayManager(this, _distribution, gateways, cluster.Transport);
        Gateways = manager;
        _distribution.Membership = manager;
        await manager.ConnectAsync(maxAttemptTime, cancellationToken).ConfigureAwait(false);
    }
}

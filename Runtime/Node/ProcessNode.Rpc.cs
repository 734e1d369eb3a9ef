using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Rpc;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime;

/// <summary>The node's remote procedure calls (Erlang's <c>rpc</c>/<c>erpc</c>): see <see cref="RpcService"/>.</summary>
public sealed partial class ProcessNode
{
    private RpcService? _rpc;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The node has not been started (its rpc service starts with it).</exception>
    public IRpc Rpc => _rpc ?? throw new InvalidOperationException($"Node {Node} has not been started: its rpc service starts with it (StartNode, or StartAsync).");

    /// <summary>The node's services, which rpc functions may ask for.</summary>
    internal IServiceProvider Services => _services;

    /// <summary>The node as tools see it (<see cref="GridFunctions.NodeInfo"/>).</summary>
    internal NodeInfo Describe()
    {
        var rpc = _rpc ?? throw new InvalidOperationException($"Node {Node} has not been started.");
        return new NodeInfo(Node, Creation, Endpoint, rpc.StartedAt, rpc.Uptime, Table.Count + Activations.Count, Nodes.ToList());
    }

    /// <summary>Starts serving the functions of the node's options, and the node's own; stopped with the node's other parts.</summary>
    partial void StartRpc() => _rpc = new RpcService(this, _options.Rpc);

    /// <summary>A call or cast of a function from another node (on its connection's reader).</summary>
    internal void OnRpcFrame(FrameKind kind, ref FrameReader reader, RemoteNode from)
    {
        // The kernel starts before the node joins its cluster, so a member's frames always find the service.
        var rpc = _rpc ?? throw new InvalidOperationException($"Node {Node} received an rpc frame before its rpc service started.");
        rpc.OnFrame(kind, ref reader, _distribution!, from);
    }
}

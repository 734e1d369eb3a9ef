namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// The functions every node serves itself (<see cref="GridFunctions"/>), so that a tool connected to any node (the CLI,
/// the dashboard) can look into every other: its processes, one process, its names, the node itself.
/// </summary>
internal static class NodeFunctions
{
    /// <summary>The functions of <paramref name="node"/>, whose rpc service is <paramref name="rpc"/>.</summary>
    public static IEnumerable<RpcFunction> For(ProcessNode node, RpcService rpc)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var started = TimeProvider.System.GetTimestamp();
        // Results are plain lists: a result crosses nodes under its runtime type, and the compiler's own read-only
        // collection types (what a collection expression may build) cannot be named on the wire.
        yield return Function(GridFunctions.Processes, () => node.Processes().ToList());
        yield return Function(GridFunctions.ProcessInfo, (Pid pid) => node.GetProcessInfo(pid));
        yield return Function(GridFunctions.Registered, () => node.Registered().ToList());
        yield return Function(GridFunctions.Nodes, () => node.Nodes.ToList());
        yield return Function(GridFunctions.Functions, () => rpc.Functions.ToList());
        yield return Function(GridFunctions.NodeInfo, () => new NodeInfo(
            node.Node,
            node.Creation,
            node.Endpoint,
            startedAt,
            TimeProvider.System.GetElapsedTime(started),
            node.ProcessCount,
            node.Nodes.ToList()));
    }

    private static RpcFunction Function(string name, Delegate handler) => RpcFunction.Create(name, handler, reserved: true);
}

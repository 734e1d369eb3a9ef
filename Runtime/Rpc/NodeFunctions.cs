namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// The functions every node serves itself (<see cref="GridFunctions"/>), so that a tool connected to any node (the CLI,
/// the dashboard) can look into every other: its processes, one process, its names, the node itself. They take the
/// node they run on as their <see cref="IProcessGrid"/> parameter, so one set serves every node.
/// </summary>
internal static class NodeFunctions
{
    /// <summary>The functions, built once.</summary>
    // Results are plain lists: a result crosses nodes under its runtime type, and the compiler's own read-only
    // collection types (what a collection expression may build) cannot be named on the wire.
    public static IReadOnlyList<RpcFunction> All { get; } =
    [
        Function(GridFunctions.Processes, (IProcessGrid node) => node.Processes().ToList()),
        Function(GridFunctions.ProcessInfo, (IProcessGrid node, Pid pid) => node.GetProcessInfo(pid)),
        Function(GridFunctions.Registered, (IProcessGrid node) => node.Registered().ToList()),
        Function(GridFunctions.Nodes, (IProcessGrid node) => node.Nodes.ToList()),
        Function(GridFunctions.Functions, (IProcessGrid node) => node.Rpc.Functions.ToList()),
        Function(GridFunctions.NodeInfo, (IProcessGrid node) => ((ProcessNode)node).Describe()),
        Function(GridFunctions.GlobalNames, (IProcessGrid node) => node.Global.Registered()
            .Select(name => node.Global.Whereis(name) is { } holder ? new GlobalName(name, holder) : null)
            .OfType<GlobalName>()
            .ToList()),
        Function(GridFunctions.GlobalWhereis, (IProcessGrid node, string name) => node.Global.Whereis(name)),
    ];

    private static RpcFunction Function(string name, Delegate handler) => RpcFunction.Create(name, handler, reserved: true);
}

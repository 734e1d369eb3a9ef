namespace ProcessGrid;

/// <summary>
/// The functions every node serves over <see cref="IRpc"/> from the moment it starts, for tools such as the CLI and
/// the dashboard (Erlang's BIFs a remote shell calls: <c>processes()</c>, <c>process_info/1</c>, <c>registered()</c>).
/// Names starting with <c>grid.</c> are reserved for them.
/// </summary>
public static class GridFunctions
{
    /// <summary>The prefix of the node's own function names; applications cannot register names that start with it.</summary>
    public const string ReservedPrefix = "grid.";

    /// <summary><c>processes()</c>: the node's live processes, as <c>IReadOnlyList&lt;Pid&gt;</c>. No arguments.</summary>
    public const string Processes = "grid.processes";

    /// <summary><c>process_info(Pid)</c>: a <see cref="ProcessInfo"/>, or null when the process is not alive there. One argument: the <see cref="Pid"/>.</summary>
    public const string ProcessInfo = "grid.process_info";

    /// <summary><c>registered()</c>: the names registered on the node, as <c>IReadOnlyList&lt;string&gt;</c>. No arguments.</summary>
    public const string Registered = "grid.registered";

    /// <summary>The node's <see cref="ProcessGrid.NodeInfo"/>: its name, creation, uptime, process count. No arguments.</summary>
    public const string NodeInfo = "grid.node_info";

    /// <summary><c>nodes()</c>: the nodes that node is connected to, as <c>IReadOnlyList&lt;NodeName&gt;</c>. No arguments.</summary>
    public const string Nodes = "grid.nodes";

    /// <summary>The functions the node serves (<see cref="IRpc.Functions"/>), as <c>IReadOnlyList&lt;string&gt;</c>. No arguments.</summary>
    public const string Functions = "grid.functions";

    /// <summary>
    /// <c>global:registered_names()</c> with their holders, from that node's copy: an <c>IReadOnlyList&lt;GlobalName&gt;</c>
    /// (empty while the node is cut off from the majority of its cluster). No arguments.
    /// </summary>
    public const string GlobalNames = "grid.global_names";

    /// <summary><c>global:whereis_name(Name)</c> on that node: the holder's <see cref="Pid"/>, or null. One argument: the name.</summary>
    public const string GlobalWhereis = "grid.global_whereis";
}

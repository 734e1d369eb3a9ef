using ProcessGrid.Runtime.Groups;

namespace ProcessGrid.Runtime;

/// <summary>The node's process groups (Erlang's <c>pg</c>).</summary>
public sealed partial class ProcessNode
{
    private ProcessGroups? _groups;

    /// <inheritdoc />
    public IProcessGroups Groups => _groups ?? throw (IsClient
        ? new InvalidOperationException(
            $"{Node} is a client of its cluster, and process groups are kept by the cluster's members: join groups from processes " +
            "on a node, or ask one with rpc (grid.Rpc.Call on a node of grid.Nodes).")
        : new InvalidOperationException($"Node {Node} has not been started: process groups run once it has (call StartNode(); the generic host does this for you)."));

    /// <summary>The process groups, once the node has started them.</summary>
    internal ProcessGroups? GroupService => _groups;

    partial void StartGroups()
    {
        var groups = new ProcessGroups(this);
        _groups = groups;
        groups.Start();
    }
}

using ProcessGrid.Runtime.Groups;

namespace ProcessGrid.Runtime;

/// <summary>The node's process groups (Erlang's <c>pg</c>).</summary>
public sealed partial class ProcessNode
{
    private ProcessGroups? _groups;

    /// <inheritdoc />
    public IProcessGroups Groups => _groups ?? throw new InvalidOperationException(
        $"Node {Node} has not been started: process groups run once it has (call StartNode(); the generic host does this for you).");

    /// <summary>The process groups, once the node has started them.</summary>
    internal ProcessGroups? GroupService => _groups;

    partial void StartGroups()
    {
        var groups = new ProcessGroups(this);
        _groups = groups;
        groups.Start();
    }
}

namespace ProcessGrid.Runtime;

/// <summary>The node's process groups (Erlang's <c>pg</c>).</summary>
public sealed partial class ProcessNode
{
    /// <inheritdoc />
    public IProcessGroups Groups => throw new NotImplementedException("Groups is being built.");
}

namespace ProcessGrid.Runtime;

/// <summary>The node's cluster-wide names (Erlang's <c>global</c>).</summary>
public sealed partial class ProcessNode
{
    /// <inheritdoc />
    public IGlobalRegistry Global => throw new NotImplementedException("Global is being built.");
}

namespace ProcessGrid.Runtime;

/// <summary>The node's remote procedure calls (Erlang's <c>rpc</c>/<c>erpc</c>).</summary>
public sealed partial class ProcessNode
{
    /// <inheritdoc />
    public IRpc Rpc => throw new NotImplementedException("Rpc is being built.");
}

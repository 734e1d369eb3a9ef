namespace ProcessGrid;

/// <summary>Remote procedure calls (Erlang's <c>rpc</c> and <c>erpc</c>): functions registered by name on each node, called from any node.</summary>
public interface IRpc
{
}

namespace ProcessGrid;

/// <summary>Process groups (Erlang's <c>pg</c>): named groups of processes across the cluster, in scopes.</summary>
public interface IProcessGroups
{
}

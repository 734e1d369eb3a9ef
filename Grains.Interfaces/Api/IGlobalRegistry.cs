namespace ProcessGrid;

/// <summary>Cluster-wide names (Erlang's <c>global</c>): one owner per name across the cluster.</summary>
public interface IGlobalRegistry
{
}

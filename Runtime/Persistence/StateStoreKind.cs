namespace ProcessGrid.Runtime.Persistence;

/// <summary>Where a node keeps the persistent state of its virtual processes (<c>ProcessGrid:Persistence:Store</c>).</summary>
public enum StateStoreKind
{
    /// <summary>PostgreSQL when the node has a database (<c>Persistence:Database</c> or <c>Cluster:Database</c>), memory otherwise. The default.</summary>
    Auto,

    /// <summary>
    /// The node's memory: the state lives as long as the node, and a key that moves to another node (failover, a node
    /// joining) starts there from empty state. For development and tests; the node logs that it runs this way.
    /// </summary>
    Memory,

    /// <summary>PostgreSQL, at <c>Persistence:Database</c> or else <c>Cluster:Database</c> (one of them is required).</summary>
    PostgreSql,
}

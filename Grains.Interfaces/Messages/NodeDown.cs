namespace ProcessGrid;

/// <summary>Delivered to node monitors when a node leaves the cluster (Erlang's <c>{nodedown, Node, Info}</c>).</summary>
/// <param name="Node">The node that went down.</param>
/// <param name="Reason">Why it is considered down.</param>
public sealed record NodeDown(NodeName Node, NodeDownReason Reason);

/// <summary>Why a node is considered down.</summary>
public enum NodeDownReason
{
    /// <summary>The connection to it was lost (its process died, or the network failed).</summary>
    ConnectionLost,

    /// <summary>The cluster declared it dead after failed probes.</summary>
    DeclaredDead,

    /// <summary>It left the cluster in an orderly way.</summary>
    Left,

    /// <summary>This node disconnected from it on request.</summary>
    Disconnected,
}

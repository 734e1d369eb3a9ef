namespace ProcessGrid;

/// <summary>Delivered to node monitors when a node joins the cluster (Erlang's <c>{nodeup, Node}</c>).</summary>
/// <param name="Node">The node that came up.</param>
public sealed record NodeUp(NodeName Node);

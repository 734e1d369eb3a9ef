namespace ProcessGrid.Client;

/// <summary>A member node of the cluster, as the client's gateway reports it.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Creation">Its creation: a restarted node is a new one.</param>
/// <param name="Endpoint">Where it listens, <c>host:port</c> (the client connects to it there).</param>
/// <param name="Status">Joining, active, or leaving.</param>
public sealed record ClusterMember(NodeName Node, long Creation, string Endpoint, MemberStatus Status);

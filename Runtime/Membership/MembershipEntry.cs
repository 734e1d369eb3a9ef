namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// One row of the membership table: a node identity (name + creation), where to reach it, its status, the votes
/// against it, and its times.
/// </summary>
/// <param name="Name">The node's name.</param>
/// <param name="Creation">The node's creation (generation); a restart is a new row.</param>
/// <param name="Endpoint">Where other nodes reach it, <c>host:port</c>.</param>
/// <param name="Status">Its status.</param>
/// <param name="Votes">The suspicion votes against it (at most as many as are needed to declare it dead).</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="IAmAliveAt">When it last wrote that it is alive.</param>
internal sealed record MembershipEntry(
    NodeName Name,
    long Creation,
    string Endpoint,
    NodeStatus Status,
    IReadOnlyList<SuspectVote> Votes,
    DateTimeOffset StartedAt,
    DateTimeOffset IAmAliveAt)
{
    /// <summary>True when this row is the node <paramref name="name"/> of creation <paramref name="creation"/>.</summary>
    public bool Is(NodeName name, long creation) => Name == name && Creation == creation;
}

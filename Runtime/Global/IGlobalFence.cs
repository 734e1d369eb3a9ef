namespace ProcessGrid.Runtime.Global;

/// <summary>
/// What the in-memory global table asks of membership to fence its claims: who may claim, and whose claims count.
/// Both are asked while holding <see cref="Gate"/>, the lock every write of the membership table takes, so no status
/// changes between a check and the change it guards (the in-memory counterpart of the share lock the PostgreSQL table
/// takes on the claimant's membership row).
/// </summary>
internal interface IGlobalFence
{
    /// <summary>The lock membership's writes take; the global table keeps its own state under it too.</summary>
    Lock Gate { get; }

    /// <summary>True when the node <paramref name="node"/> of creation <paramref name="creation"/> is Joining or Active: it may claim. Ask with <see cref="Gate"/> held.</summary>
    bool MayClaim(NodeName node, long creation);

    /// <summary>True unless membership records that node as dead (or no longer has its row): its claims count. Ask with <see cref="Gate"/> held.</summary>
    bool Counts(NodeName node, long creation);
}

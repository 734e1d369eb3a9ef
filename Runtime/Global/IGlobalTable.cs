namespace ProcessGrid.Runtime.Global;

/// <summary>
/// The linearizable store behind the global registry: who holds each name and lock, fenced by the holder node's
/// identity (name and creation) against the membership table, with change notifications in commit order.
/// </summary>
/// <remarks>
/// Invariants every implementation keeps: a claim succeeds only for a node that is an active (or joining) member at
/// its commit; a claim held by a node that membership records as dead is void, and the next claim on it replaces it;
/// each name or lock has at most one holder; changes reach <see cref="IGlobalTableObserver"/> in commit order, after a
/// snapshot that they follow on from.
/// </remarks>
internal interface IGlobalTable : IAsyncDisposable
{
    /// <summary>Starts reporting the table's state and changes to <paramref name="observer"/> (once per table).</summary>
    void Watch(IGlobalTableObserver observer);

    /// <summary>Claims <paramref name="name"/> of <paramref name="kind"/> for <paramref name="pid"/> (a pid of the claiming node).</summary>
    Task<GlobalClaimOutcome> ClaimAsync(GlobalKind kind, string name, Pid pid, string? resolve, CancellationToken cancellationToken);

    /// <summary>
    /// Hands <paramref name="name"/> to <paramref name="pid"/> if its claim is still number <paramref name="expectedSeq"/>
    /// (a conflict was resolved in the claimant's favour). The new claim's number, or null when the holder changed meanwhile.
    /// </summary>
    Task<long?> ReplaceAsync(GlobalKind kind, string name, long expectedSeq, Pid pid, string? resolve, CancellationToken cancellationToken);

    /// <summary>
    /// Releases <paramref name="name"/>: whoever holds it (both filters null), only if <paramref name="pid"/> holds it, or
    /// only if its claim is number <paramref name="expectedSeq"/>. True when a claim was released.
    /// </summary>
    Task<bool> ReleaseAsync(GlobalKind kind, string name, Pid? pid, long? expectedSeq, CancellationToken cancellationToken);

    /// <summary>Releases every claim of the node <paramref name="node"/> of creation <paramref name="creation"/> (declared dead).</summary>
    Task ReleaseNodeAsync(NodeName node, long creation, CancellationToken cancellationToken);
}

/// <summary>Hears the global table: a full state first (and again after a lost notification channel), then each change.</summary>
internal interface IGlobalTableObserver
{
    /// <summary>The claimed names (not locks) as of one snapshot; changes that follow continue from it.</summary>
    void OnSnapshot(IReadOnlyList<GlobalChange> claims);

    /// <summary>One committed change.</summary>
    void OnChange(in GlobalChange change);
}

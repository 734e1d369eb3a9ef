namespace ProcessGrid.Runtime.Global;

/// <summary>What the global table answered to a claim.</summary>
internal enum GlobalClaimStatus
{
    /// <summary>The claimant holds it now (or already did).</summary>
    Granted,

    /// <summary>A live process holds it: <see cref="GlobalClaimOutcome.HolderPid"/>.</summary>
    Taken,

    /// <summary>The claimant's node is not an active member (declared dead, leaving, or unknown): it may claim nothing.</summary>
    NotAMember,
}

/// <summary>The answer to a claim: granted, or who holds the name or lock (its claim's number and resolve method).</summary>
internal readonly record struct GlobalClaimOutcome(GlobalClaimStatus Status, string? HolderPid, long Seq, string? HolderResolve);

namespace ProcessGrid.Runtime.Global;

/// <summary>What a <see cref="GlobalWrite"/> does to its name or lock.</summary>
internal enum GlobalWriteOp : short
{
    /// <summary>Claim it for the pid (see <see cref="IGlobalTable.ClaimAsync"/>).</summary>
    Claim = 0,

    /// <summary>Release it, filtered by holder and/or claim number when given (see <see cref="IGlobalTable.ReleaseAsync"/>).</summary>
    Release = 1,
}

/// <summary>
/// One claim or release waiting in a <see cref="GlobalWriteQueue"/> to go to the table with others in one transaction.
/// </summary>
/// <remarks>
/// The answer is a <see cref="GlobalClaimOutcome"/> for both: a claim's as the table gave it; a release's status is
/// <see cref="GlobalClaimStatus.Granted"/> when a claim was released and <see cref="GlobalClaimStatus.Taken"/> when there
/// was nothing (left) to release. The queue decides on which thread each answer's continuation runs.
/// </remarks>
internal sealed class GlobalWrite(GlobalWriteOp op, GlobalKind kind, string name, string? pid, string? resolve, long? expectedSeq)
{
    private readonly TaskCompletionSource<GlobalClaimOutcome> _answer = new();

    /// <summary>Claim or release.</summary>
    public GlobalWriteOp Op => op;

    /// <summary>Name or lock.</summary>
    public GlobalKind Kind => kind;

    /// <summary>The name or lock's resource.</summary>
    public string Name => name;

    /// <summary>The claimant's pid (claims), or the holder a release is limited to (null: any holder).</summary>
    public string? Pid => pid;

    /// <summary>The claimant's resolve method (claims only).</summary>
    public string? Resolve => resolve;

    /// <summary>The claim number a release is limited to (null: any).</summary>
    public long? ExpectedSeq => expectedSeq;

    /// <summary>The table's answer, once the batch that carried this write has committed (or failed).</summary>
    public Task<GlobalClaimOutcome> Answer => _answer.Task;

    /// <summary>Gives the table's answer.</summary>
    public void Complete(GlobalClaimOutcome outcome) => _answer.TrySetResult(outcome);

    /// <summary>Fails the write with why its batch failed (it may or may not have committed; the notifications will tell).</summary>
    public void Fail(Exception error) => _answer.TrySetException(error);
}

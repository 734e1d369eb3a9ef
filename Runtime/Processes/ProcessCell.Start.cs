namespace ProcessGrid.Runtime.Processes;

/// <summary>
/// Acknowledging a start (Erlang's <c>proc_lib:init_ack</c>): <c>StartAsync</c> and <c>StartLinkAsync</c> wait until
/// the new process says it is ready, or has exited.
/// </summary>
internal abstract partial class ProcessCell
{
    private StartAcknowledgement? _start;

    /// <summary>Makes a start wait for this process's acknowledgement (set before the process first runs).</summary>
    /// <param name="waiter">Completes with the pid when the process is ready; fails with <see cref="ProcessStartException"/> if it exits first.</param>
    /// <param name="linkedParent">The starter, when linked: a failed start unlinks it before the process exits, so the starter gets the error and no exit signal (as with <c>proc_lib:init_fail</c>).</param>
    internal void AwaitStart(TaskCompletionSource<Pid> waiter, ProcessCell? linkedParent) => _start = new StartAcknowledgement(waiter, linkedParent);

    /// <summary>True while a starter waits for this process to be ready.</summary>
    private protected bool IsStarting => Volatile.Read(ref _start) is not null;

    /// <summary>Tells the starter the process is ready.</summary>
    private protected void AcknowledgeStart() => Interlocked.Exchange(ref _start, null)?.Waiter.TrySetResult(Self);

    /// <summary>Ends a process whose start failed: unlinks the starter, then exits (which fails the start).</summary>
    private protected void FailStart(ExitReason reason, Exception? crash)
    {
        if (Volatile.Read(ref _start)?.LinkedParent is { } parent)
        {
            parent.RemoveLink(Self);
            RemoveLink(parent.Self);
        }
        Die(reason, crash);
    }

    /// <summary>Called by <see cref="Die"/>: a process that exits before acknowledging fails its start, after it has exited.</summary>
    private void FailPendingStart(ExitReason reason) =>
        Interlocked.Exchange(ref _start, null)?.Waiter.TrySetException(new ProcessStartException(TypeName, reason));

    private sealed record StartAcknowledgement(TaskCompletionSource<Pid> Waiter, ProcessCell? LinkedParent);
}

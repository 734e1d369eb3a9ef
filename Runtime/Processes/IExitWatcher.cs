namespace ProcessGrid.Runtime.Processes;

/// <summary>
/// Something other than a process that watches a process and must learn of its exit at once, as a monitor would: a
/// pending call watching its callee (gen_server:call monitors the callee for the same reason).
/// </summary>
internal interface IExitWatcher
{
    /// <summary>The watched process exited with <paramref name="reason"/>. Runs on the exiting thread: must be short and must not block.</summary>
    void OnWatchedExit(ExitReason reason);
}

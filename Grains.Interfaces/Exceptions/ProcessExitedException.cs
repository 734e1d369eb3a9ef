namespace ProcessGrid;

/// <summary>
/// Raised inside a process whose process has already exited (it was killed, or an exit signal ended it) when its
/// code next waits on its context: it unwinds the code that is still running, whose <c>finally</c> blocks then run.
/// The process is gone for the rest of the system from the moment it exited.
/// </summary>
public sealed class ProcessExitedException : ProcessGridException
{
    /// <summary>Creates the error for process <paramref name="pid"/> that exited with <paramref name="reason"/>.</summary>
    public ProcessExitedException(Pid pid, ExitReason reason)
        : base($"Process {pid} has exited with reason {reason}; its code can no longer receive, call or spawn.")
    {
        Pid = pid;
        Reason = reason;
    }

    /// <summary>The process that exited.</summary>
    public Pid Pid { get; }

    /// <summary>Its exit reason.</summary>
    public ExitReason Reason { get; }
}

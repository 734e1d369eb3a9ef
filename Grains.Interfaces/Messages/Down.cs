namespace ProcessGrid;

/// <summary>
/// Delivered exactly once to a process that monitors another when the monitored process exits, or at once if it did
/// not exist (Erlang's <c>{'DOWN', Ref, process, Pid, Reason}</c>).
/// </summary>
/// <param name="Ref">The reference the monitor returned.</param>
/// <param name="Pid">The monitored process.</param>
/// <param name="Reason">Why it exited: its exit reason, <c>noproc</c> if it did not exist, <c>noconnection</c> if its node was lost.</param>
public sealed record Down(MonitorRef Ref, Pid Pid, ExitReason Reason);

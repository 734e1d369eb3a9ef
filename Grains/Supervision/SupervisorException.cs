namespace ProcessGrid;

/// <summary>
/// A supervisor refused an operation on its children (Erlang's <c>{error, Reason}</c> from <c>start_child</c>,
/// <c>terminate_child</c>, <c>restart_child</c>, <c>delete_child</c>). <see cref="Error"/> says why. A child that
/// failed to start is reported with <see cref="ProcessStartException"/> instead.
/// </summary>
public sealed class SupervisorException : ProcessGridException
{
    /// <summary>Creates the error.</summary>
    /// <param name="supervisor">The supervisor that refused.</param>
    /// <param name="error">Why.</param>
    /// <param name="child">The child's id, or a dynamic child's pid, as the operation named it.</param>
    /// <param name="runningPid">For <see cref="SupervisorError.AlreadyStarted"/>: the running child's pid.</param>
    public SupervisorException(Pid supervisor, SupervisorError error, string? child, Pid? runningPid = null)
        : base(Describe(supervisor, error, child, runningPid))
    {
        Supervisor = supervisor;
        Error = error;
        Child = child;
        RunningPid = runningPid;
    }

    /// <summary>The supervisor that refused.</summary>
    public Pid Supervisor { get; }

    /// <summary>Why it refused.</summary>
    public SupervisorError Error { get; }

    /// <summary>The child's id (or a dynamic child's pid in text form), as the operation named it.</summary>
    public string? Child { get; }

    /// <summary>For <see cref="SupervisorError.AlreadyStarted"/>: the pid of the child that is running.</summary>
    public Pid? RunningPid { get; }

    private static string Describe(Pid supervisor, SupervisorError error, string? child, Pid? runningPid) => error switch
    {
        SupervisorError.NotFound =>
            $"Supervisor {supervisor} has no child {child} (not_found). List its children with WhichChildrenAsync.",
        SupervisorError.AlreadyPresent =>
            $"Supervisor {supervisor} already has a child '{child}', not running (already_present): restart it with RestartChildAsync, or delete it with DeleteChildAsync before adding a new spec with that id.",
        SupervisorError.AlreadyStarted =>
            $"Supervisor {supervisor} already runs a child '{child}' as {runningPid} (already_started).",
        SupervisorError.Running =>
            $"Child '{child}' of supervisor {supervisor} is running (running): terminate it with TerminateChildAsync first.",
        SupervisorError.Restarting =>
            $"Child '{child}' of supervisor {supervisor} is being restarted after a failed restart (restarting); try again once it runs, or terminate it first.",
        SupervisorError.SimpleOneForOne =>
            $"Supervisor {supervisor} is simple_one_for_one (simple_one_for_one): start its children with arguments (StartChildAsync(supervisor, args)), terminate them by pid, and do not restart or delete them by id.",
        SupervisorError.NotSimpleOneForOne =>
            $"Supervisor {supervisor} is not simple_one_for_one: start a child by giving it a ChildSpec, not start arguments.",
        _ => $"Supervisor {supervisor} refused the operation on child {child}: {error}.",
    };
}

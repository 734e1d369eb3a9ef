namespace ProcessGrid;

/// <summary>
/// The messages between the supervisor API (<see cref="Supervisor"/>) and the supervisor process: one call per
/// operation, answered with the result or with a refusal that the API turns into an exception on the caller's side
/// (the supervisor itself never throws over a caller's mistake, so a bad request cannot take its tree down).
/// </summary>
internal static class SupervisorProtocol
{
    /// <summary><c>start_child(Sup, ChildSpec)</c>; answered with the child's <see cref="Pid"/>.</summary>
    public sealed record StartChild(ChildSpec Spec);

    /// <summary><c>start_child(Sup, ExtraArgs)</c> on a simple_one_for_one supervisor; answered with the child's <see cref="Pid"/>.</summary>
    public sealed record StartDynamicChild(IReadOnlyList<object> Args);

    /// <summary><c>terminate_child(Sup, Id)</c>; answered with <see cref="Done"/>.</summary>
    public sealed record TerminateChild(string Id);

    /// <summary><c>terminate_child(Sup, Pid)</c> on a simple_one_for_one supervisor; answered with <see cref="Done"/>.</summary>
    public sealed record TerminateDynamicChild(Pid Pid);

    /// <summary><c>restart_child(Sup, Id)</c>; answered with the child's new <see cref="Pid"/>.</summary>
    public sealed record RestartChild(string Id);

    /// <summary><c>delete_child(Sup, Id)</c>; answered with <see cref="Done"/>.</summary>
    public sealed record DeleteChild(string Id);

    /// <summary><c>which_children(Sup)</c>; answered with a list of <see cref="ChildInfo"/>.</summary>
    public sealed record WhichChildren
    {
        public static WhichChildren Instance { get; } = new();
    }

    /// <summary><c>count_children(Sup)</c>; answered with <see cref="ChildCounts"/>.</summary>
    public sealed record CountChildren
    {
        public static CountChildren Instance { get; } = new();
    }

    /// <summary>The answer of an operation that has no result (Erlang's <c>ok</c>).</summary>
    public sealed record Done
    {
        public static Done Instance { get; } = new();
    }

    /// <summary>The supervisor refused the operation (Erlang's <c>{error, Reason}</c>).</summary>
    public sealed record Refusal(SupervisorError Error, string? Child, Pid? RunningPid = null);

    /// <summary>The child could not be started (Erlang's <c>{error, {Reason, Child}}</c>).</summary>
    public sealed record StartFailure(string ProcessType, ExitReason Reason);

    /// <summary>
    /// Sent by the supervisor to itself after a failed restart (supervisor.erl's <c>try_again_restart</c>): the retry
    /// waits behind the messages already queued, so a shutdown order or a call is not starved by a child that keeps
    /// failing to start.
    /// </summary>
    public sealed record TryAgainRestart(SupervisedChild Child);
}

namespace ProcessGrid;

/// <summary>Why a supervisor refused an operation on its children (Erlang's <c>{error, Reason}</c> replies).</summary>
public enum SupervisorError
{
    /// <summary><c>not_found</c>: the supervisor has no child with that id (or, for a dynamic child, that pid).</summary>
    NotFound,

    /// <summary><c>already_present</c>: a child with that id exists but is not running; restart or delete it instead.</summary>
    AlreadyPresent,

    /// <summary><c>{already_started, Pid}</c>: a child with that id is running.</summary>
    AlreadyStarted,

    /// <summary><c>running</c>: the child is running, so it cannot be restarted or deleted; terminate it first.</summary>
    Running,

    /// <summary><c>restarting</c>: a restart of the child failed and is being retried.</summary>
    Restarting,

    /// <summary><c>simple_one_for_one</c>: the operation is not available on a simple_one_for_one supervisor.</summary>
    SimpleOneForOne,

    /// <summary>Start arguments were given to a supervisor that is not simple_one_for_one: give it a <see cref="ChildSpec"/>.</summary>
    NotSimpleOneForOne,
}

namespace ProcessGrid;

/// <summary>The kinds of reason a process can exit with (Erlang's exit reasons).</summary>
public enum ExitReasonKind
{
    /// <summary><c>normal</c>: the process finished its work. Linked processes that do not trap exits ignore it.</summary>
    Normal,

    /// <summary><c>shutdown</c> or <c>{shutdown, Detail}</c>: an orderly stop, usually ordered by a supervisor.</summary>
    Shutdown,

    /// <summary><c>kill</c>: sent with Exit(pid, Kill); cannot be trapped; the target exits with <see cref="Killed"/>.</summary>
    Kill,

    /// <summary><c>killed</c>: the process was killed with <see cref="Kill"/>.</summary>
    Killed,

    /// <summary><c>noproc</c>: the process did not exist (or no longer existed) when it was addressed.</summary>
    NoProc,

    /// <summary><c>noconnection</c>: the node the process lives on became unreachable.</summary>
    NoConnection,

    /// <summary><c>{nodedown, Node}</c>: a call could not complete because the callee's node is down.</summary>
    NodeDown,

    /// <summary><c>timeout</c>: a call or a wait ran out of time.</summary>
    Timeout,

    /// <summary>The process threw an exception; the reason carries its type and message.</summary>
    Exception,

    /// <summary>Any other reason, given as text (Erlang's arbitrary exit terms).</summary>
    Custom,
}

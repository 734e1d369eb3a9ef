namespace ProcessGrid;

/// <summary>
/// A call did not get a reply (Erlang's <c>exit({Reason, {gen_server, call, ...}})</c>). <see cref="Reason"/> says why:
/// <c>noproc</c> (no such process), <c>timeout</c>, <c>{nodedown, Node}</c>, the callee's exit reason if it exited
/// before answering, or <see cref="ExitReasonKind.Exception"/> with the type and message of what the callee threw.
/// </summary>
public sealed class CallException : ProcessGridException
{
    /// <summary>Creates the error for a call to <paramref name="target"/> that failed with <paramref name="reason"/>.</summary>
    public CallException(Pid? target, ExitReason reason)
        : base(Describe(target, reason), reason.Exception)
    {
        Target = target;
        Reason = reason;
    }

    /// <summary>The process that was called (null when the call went to a name that was not registered).</summary>
    public Pid? Target { get; }

    /// <summary>Why the call failed.</summary>
    public ExitReason Reason { get; }

    private static string Describe(Pid? target, ExitReason reason)
    {
        var who = target?.ToString() ?? "the named process";
        return reason.Kind switch
        {
            ExitReasonKind.NoProc => $"Call to {who} failed: noproc (no such process; it never existed or has exited).",
            ExitReasonKind.Timeout => $"Call to {who} failed: timeout (no reply in time; the request may still be handled).",
            ExitReasonKind.NodeDown => $"Call to {who} failed: the node {reason.Detail} is down.",
            ExitReasonKind.NoConnection => $"Call to {who} failed: noconnection (its node became unreachable).",
            ExitReasonKind.Exception => $"Call to {who} failed: the callee threw {reason.ExceptionType}: {reason.Detail}",
            _ => $"Call to {who} failed: the callee exited with reason {reason} before replying.",
        };
    }
}

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

    /// <summary>
    /// Creates the error for a call to the process registered as <paramref name="name"/> on <paramref name="node"/>
    /// (<c>gen_server:call({Name, Node}, Request)</c>) that failed with <paramref name="reason"/>.
    /// </summary>
    public CallException(string name, NodeName node, ExitReason reason)
        : base(Describe(name, node, reason), reason.Exception)
    {
        Name = name;
        Node = node;
        Reason = reason;
    }

    /// <summary>The process that was called (null when the call went to a name that was not registered).</summary>
    public Pid? Target { get; }

    /// <summary>For a call by name: the registered name that was called (null for a call to a pid).</summary>
    public string? Name { get; }

    /// <summary>For a call by name: the node the name was looked up on (null for a call to a pid).</summary>
    public NodeName? Node { get; }

    /// <summary>Why the call failed.</summary>
    public ExitReason Reason { get; }

    private static string Describe(Pid? target, ExitReason reason) => Describe(target?.ToString() ?? "the named process", reason);

    private static string Describe(string name, NodeName node, ExitReason reason) => reason.Kind == ExitReasonKind.NoProc
        ? $"Call to {{{name},{node}}} failed: noproc (no process is registered as '{name}' on {node}; start it there, or check the name)."
        : Describe($"{{{name},{node}}}", reason);

    private static string Describe(string who, ExitReason reason)
    {
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

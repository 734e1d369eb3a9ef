namespace ProcessGrid;

/// <summary>Where the runtime delivers the answer to one call.</summary>
internal interface IReplyTarget
{
    /// <summary>Completes call <paramref name="token"/> with <paramref name="reply"/>; false when it already completed.</summary>
    bool Reply(long token, object? reply);

    /// <summary>Fails call <paramref name="token"/> with <paramref name="reason"/>; false when it already completed.</summary>
    bool Fail(long token, ExitReason reason);

    /// <summary>True while call <paramref name="token"/> still awaits its reply.</summary>
    bool IsAwaiting(long token);
}

/// <summary>
/// Identifies the caller of one call (Erlang's <c>From</c> in <c>handle_call(Request, From, State)</c>). A server
/// that does not answer at once returns <see cref="GenServer.NoReply"/> from its handler, keeps the
/// <see cref="CallFrom"/>, and answers later with <see cref="IProcessContext.Reply"/>.
/// </summary>
public readonly struct CallFrom
{
    internal CallFrom(IReplyTarget target, long token, Pid? caller)
    {
        Target = target;
        Token = token;
        Caller = caller;
    }

    internal IReplyTarget? Target { get; }

    internal long Token { get; }

    /// <summary>The calling process, when the call came from a process (null when it came from outside any process).</summary>
    public Pid? Caller { get; }

    /// <summary>True for a <see cref="CallFrom"/> that names a call (false for <c>default</c>).</summary>
    public bool IsValid => Target is not null;
}

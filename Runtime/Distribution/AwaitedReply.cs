namespace ProcessGrid.Runtime.Distribution;

/// <summary>
/// A call sent to another node and not yet answered: who gets the answer, and the token they know the call by. The
/// token differs from the frame's correlation id when this node forwards a call it received (a virtual process's
/// owner passing it on to the host): the answer must go back under the original caller's id.
/// </summary>
/// <param name="Target">Where the answer goes.</param>
/// <param name="Token">The call's token at <paramref name="Target"/>.</param>
internal readonly record struct AwaitedReply(IReplyTarget Target, long Token)
{
    /// <summary>Passes on the answer.</summary>
    public bool Reply(object? reply) => Target.Reply(Token, reply);

    /// <summary>Passes on a failure.</summary>
    public bool Fail(ExitReason reason) => Target.Fail(Token, reason);
}

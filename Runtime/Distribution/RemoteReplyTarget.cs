namespace ProcessGrid.Runtime.Distribution;

/// <summary>
/// Where a local process answers a call that came from another node: the answer becomes a reply frame back to that
/// node, with the caller's correlation id. The first answer wins; the caller's node also fails the call itself if the
/// connection is lost first.
/// </summary>
internal sealed class RemoteReplyTarget(NodeDistribution distribution, RemoteNode node) : IReplyTarget
{
    private int _answered;

    /// <inheritdoc />
    public bool Reply(long token, object? reply)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            return false;
        }
        distribution.SendReply(node, token, reply);
        return true;
    }

    /// <inheritdoc />
    public bool Fail(long token, ExitReason reason)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            return false;
        }
        distribution.SendFailure(node, token, reason);
        return true;
    }

    /// <inheritdoc />
    public bool IsAwaiting(long token) => Volatile.Read(ref _answered) == 0 && node.Connection is not null;
}

using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Processes;

namespace ProcessGrid.Runtime.Distribution;

/// <summary>
/// Where a local process answers a call that came from another node: the answer becomes a reply frame back to that
/// node, with the caller's correlation id. The first answer wins; the caller's node also fails the call itself if the
/// connection is lost first.
/// </summary>
/// <remarks>
/// It also watches the callee, as the caller's own slot does for a local call (gen_server:call monitors the callee):
/// if the callee exits before answering, with the call in its mailbox or already taken, the call fails at once with
/// the exit reason instead of waiting for the caller's timeout.
/// </remarks>
internal sealed class RemoteReplyTarget(NodeDistribution distribution, RemoteNode node, long correlation) : IReplyTarget, IExitWatcher
{
    private int _answered;
    private ICallWatch? _watch;
    private long _watchKey;

    /// <summary>
    /// Records that this call watches its callee under <paramref name="key"/>, to be forgotten when the call is
    /// answered. Call after registering; if the call was answered meanwhile, the watch is forgotten at once.
    /// </summary>
    public void SetWatch(ICallWatch watch, long key)
    {
        _watchKey = key;
        Volatile.Write(ref _watch, watch);
        if (Volatile.Read(ref _answered) != 0)
        {
            ReleaseWatch();
        }
    }

    /// <inheritdoc />
    public void OnWatchedExit(ExitReason reason) => Fail(correlation, reason);

    /// <inheritdoc />
    public bool Reply(long token, object? reply)
    {
        if (!TryAnswer())
        {
            return false;
        }
        distribution.SendReply(node, token, reply);
        return true;
    }

    /// <inheritdoc />
    public bool Fail(long token, ExitReason reason)
    {
        if (!TryAnswer())
        {
            return false;
        }
        distribution.SendFailure(node, token, reason);
        return true;
    }

    /// <inheritdoc />
    public bool IsAwaiting(long token) => Volatile.Read(ref _answered) == 0 && node.Connection is not null;

    private bool TryAnswer()
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            return false;
        }
        ReleaseWatch();
        return true;
    }

    private void ReleaseWatch()
    {
        if (Interlocked.Exchange(ref _watch, null) is { } watch)
        {
            watch.ReleaseCall(_watchKey);
        }
    }
}

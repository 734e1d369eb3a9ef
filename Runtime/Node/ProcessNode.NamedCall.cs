using ProcessGrid.Runtime.Messaging;

namespace ProcessGrid.Runtime;

/// <summary>The call to a registered name on any node (Erlang's <c>gen_server:call({Name, Node}, Request)</c>).</summary>
/// <remarks>
/// The name is looked up on the node that holds it, when the call arrives there: a name nobody holds fails the call
/// with <c>noproc</c> naming the name and the node. Otherwise it is a call like any other: the callee is watched (its
/// exit fails the call at once), a lost connection fails it with <c>{nodedown, Node}</c>, and its timeout is the caller's.
/// </remarks>
public sealed partial class ProcessNode
{
    /// <inheritdoc />
    public ValueTask<TReply> Call<TReply>(string name, NodeName node, object request, TimeSpan? timeout = null) =>
        CallNamed<TReply>(name, node, request, timeout, caller: null);

    /// <summary>Calls the process registered as <paramref name="name"/> on <paramref name="node"/>, on behalf of <paramref name="caller"/> if a process calls.</summary>
    internal ValueTask<TReply> CallNamed<TReply>(string name, NodeName node, object request, TimeSpan? timeout, Pid? caller)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(request);
        var wait = CallTimeout(timeout);
        var slot = new CallSlot<TReply>(name, node);
        if (node == Node)
        {
            if (Names.Find(name) is not { } callee)
            {
                return ValueTask.FromException<TReply>(new CallException(name, node, ExitReason.NoProc));
            }
            var key = NewMonitorRef().Value;
            if (callee.AddWatcher(key, slot))
            {
                slot.SetWatch(callee, key);
            }
            callee.Post(new Envelope(request, slot, 0, caller));
        }
        else if (Distribution is { } distribution)
        {
            distribution.CallNamed(name, node, request, slot, caller);
        }
        else
        {
            return ValueTask.FromException<TReply>(new CallException(name, node, ExitReason.NodeDown(node)));
        }
        // Scheduled once the call is on its way (a reply that came first leaves the entry completed, and the wheel drops it).
        if (wait != Timeout.InfiniteTimeSpan && slot.IsPending)
        {
            Timers.Schedule(slot, wait);
        }
        return slot.Task;
    }

    /// <summary>The timeout of a call: the caller's, or the node's default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The caller's timeout is negative (and not infinite).</exception>
    internal TimeSpan CallTimeout(TimeSpan? timeout)
    {
        var wait = timeout ?? _options.DefaultCallTimeout;
        if (wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A call timeout is positive (or Timeout.InfiniteTimeSpan).");
        }
        return wait;
    }
}

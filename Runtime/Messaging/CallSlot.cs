using System.Threading.Tasks.Sources;
using ProcessGrid.Runtime.Processes;
using ProcessGrid.Runtime.Timers;

namespace ProcessGrid.Runtime.Messaging;

/// <summary>
/// The caller's side of one call: the awaited value, the reply target the callee answers through, and the call's
/// timeout entry in the timer wheel, all in one object, so a call allocates this, its envelope, and nothing else.
/// </summary>
/// <remarks>
/// <para>The first of reply, failure and timeout wins (the <see cref="TimerEntry"/> state word); the others are ignored.
/// The caller's continuation is queued to the thread pool rather than run on the callee's thread, so a callee that
/// replies and carries on is never held up by its caller's code.</para>
/// <para>A call to a local spawned process also watches the callee while it is pending, as gen_server:call monitors
/// it: if the callee exits before replying (with the call in its mailbox, in hand, or deferred with
/// <see cref="GenServer.NoReply"/>), the call fails at once with the callee's exit reason instead of waiting for its
/// timeout. Whichever way the call completes, the watch is removed.</para>
/// </remarks>
internal sealed class CallSlot<TReply> : TimerEntry, IValueTaskSource<TReply>, IReplyTarget, IExitWatcher
{
    private ManualResetValueTaskSourceCore<TReply> _core;
    private readonly Pid? _target;
    private ProcessCell? _callee;
    private long _calleeWatch;

    public CallSlot(Pid? target)
    {
        _target = target;
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>The awaitable the caller gets.</summary>
    public ValueTask<TReply> Task => new(this, _core.Version);

    /// <summary>
    /// Watches <paramref name="callee"/> until the call completes (call before delivering the request). If it has
    /// already exited nothing is watched: delivering the request then fails the call with <c>noproc</c>.
    /// </summary>
    public void WatchCallee(ProcessCell callee, long watchRef)
    {
        _calleeWatch = watchRef;
        Volatile.Write(ref _callee, callee);
        if (!callee.AddWatcher(watchRef, this))
        {
            Volatile.Write(ref _callee, null);
        }
        else if (!IsPending)
        {
            ReleaseCallee(); // Completed (timed out) while the watch was being set up, so its completer found nothing to release.
        }
    }

    /// <inheritdoc />
    public void OnWatchedExit(ExitReason reason) => Fail(0, reason);

    /// <summary>Stops watching the callee once the call has completed (the one caller that completed it).</summary>
    private void ReleaseCallee()
    {
        if (Interlocked.Exchange(ref _callee, null) is { } callee)
        {
            callee.RemoveWatcher(_calleeWatch);
        }
    }

    /// <inheritdoc />
    public bool Reply(long token, object? reply)
    {
        if (!TryComplete(Fired))
        {
            return false;
        }
        ReleaseCallee();
        if (reply is TReply typed)
        {
            _core.SetResult(typed);
        }
        else if (reply is null && default(TReply) is null)
        {
            _core.SetResult(default!);
        }
        else
        {
            _core.SetException(new InvalidCastException(
                $"The call to {_target} was answered with {reply?.GetType().FullName ?? "null"}, but the caller expected {typeof(TReply).FullName}. " +
                "Call with the reply type the callee returns (or with object)."));
        }
        return true;
    }

    /// <inheritdoc />
    public bool IsAwaiting(long token) => IsPending;

    /// <inheritdoc />
    public bool Fail(long token, ExitReason reason)
    {
        if (!TryComplete(Fired))
        {
            return false;
        }
        ReleaseCallee();
        _core.SetException(new CallException(_target, reason));
        return true;
    }

    /// <summary>The timeout: the wheel has already claimed the entry, so complete it directly.</summary>
    protected override void Fire()
    {
        ReleaseCallee();
        _core.SetException(new CallException(_target, ExitReason.Timeout));
    }

    TReply IValueTaskSource<TReply>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<TReply>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<TReply>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

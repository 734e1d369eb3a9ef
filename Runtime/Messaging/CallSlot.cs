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
/// <para>A pending call is also registered with whoever can end it early (<see cref="ICallWatch"/>): a local spawned
/// callee watches it, as gen_server:call monitors the callee, so the call fails at once with the callee's exit reason
/// if the callee exits before replying (with the call in its mailbox, in hand, or deferred with
/// <see cref="GenServer.NoReply"/>); a call to another node sits in that node's table of pending calls, which fails it
/// with <c>{nodedown, Node}</c> if the connection is lost. Whichever way the call completes, the registration is removed.</para>
/// </remarks>
internal sealed class CallSlot<TReply> : TimerEntry, IValueTaskSource<TReply>, IPendingCall, IExitWatcher
{
    private ManualResetValueTaskSourceCore<TReply> _core;
    private readonly Pid? _target;
    private readonly string? _name;
    private readonly NodeName _nameNode;
    private ICallWatch? _watch;
    private long _watchKey;

    public CallSlot(Pid? target)
    {
        _target = target;
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>A call to the process registered as <paramref name="name"/> on <paramref name="node"/>: its errors name both.</summary>
    public CallSlot(string name, NodeName node)
    {
        _name = name;
        _nameNode = node;
        _core.RunContinuationsAsynchronously = true;
    }

    private string Callee => _name is null ? $"{_target}" : $"{{{_name},{_nameNode}}}";

    private CallException Failure(ExitReason reason) => _name is null ? new CallException(_target, reason) : new CallException(_name, _nameNode, reason);

    /// <summary>The awaitable the caller gets.</summary>
    public ValueTask<TReply> Task => new(this, _core.Version);

    /// <summary>
    /// Records that the call is registered as <paramref name="key"/> with <paramref name="watch"/>, which the call tells
    /// to forget it when it completes. Call after registering; if the call completed meanwhile, it is forgotten at once.
    /// </summary>
    public void SetWatch(ICallWatch watch, long key)
    {
        _watchKey = key;
        Volatile.Write(ref _watch, watch);
        if (!IsPending)
        {
            ReleaseWatch(); // Completed while being registered, so its completer found nothing to release.
        }
    }

    /// <inheritdoc />
    public void OnWatchedExit(ExitReason reason) => Fail(0, reason);

    /// <summary>Forgets the call's registration once it has completed (the one caller that completed it).</summary>
    private void ReleaseWatch()
    {
        if (Interlocked.Exchange(ref _watch, null) is { } watch)
        {
            watch.ReleaseCall(_watchKey);
        }
    }

    /// <inheritdoc />
    public bool Reply(long token, object? reply)
    {
        if (!TryComplete(Fired))
        {
            return false;
        }
        ReleaseWatch();
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
                $"The call to {Callee} was answered with {reply?.GetType().FullName ?? "null"}, but the caller expected {typeof(TReply).FullName}. " +
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
        ReleaseWatch();
        _core.SetException(Failure(reason));
        return true;
    }

    /// <summary>The timeout: the wheel has already claimed the entry, so complete it directly.</summary>
    protected override void Fire()
    {
        ReleaseWatch();
        _core.SetException(Failure(ExitReason.Timeout));
    }

    TReply IValueTaskSource<TReply>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<TReply>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<TReply>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

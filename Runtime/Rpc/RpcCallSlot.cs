using System.Globalization;
using System.Threading.Tasks.Sources;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Timers;

namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// The caller's side of one remote procedure call: the awaited result, the reply target the other node (or this one)
/// answers through, and the call's timeout entry in the timer wheel, in one object, as <see cref="CallSlot{TReply}"/>
/// is for a call to a process. It is also the response of a request sent with <see cref="IRpc.SendRequest{TResult}"/>,
/// whose timeout starts only when the response is received.
/// </summary>
/// <remarks>
/// The first of answer, failure and timeout wins (the <see cref="TimerEntry"/> state word). A call to another node sits
/// in that node's table of pending calls until then, so the loss of the connection fails it at once with
/// <see cref="RpcFailure.NodeDown"/>; whichever way it completes, it leaves that table. An answer is the result, or an
/// <see cref="RpcFault"/> that becomes the <see cref="RpcException"/> the caller gets.
/// </remarks>
internal sealed class RpcCallSlot<TResult> : TimerEntry, IValueTaskSource<TResult>, IPendingCall, IRpcResponse<TResult>
{
    private readonly ProcessNode _caller;
    private readonly NodeName _node;
    private readonly string _function;
    private ManualResetValueTaskSourceCore<TResult> _core;
    private TimeSpan _timeout;
    private ICallWatch? _watch;
    private long _watchKey;
    private int _received;

    public RpcCallSlot(ProcessNode caller, NodeName node, string function)
    {
        _caller = caller;
        _node = node;
        _function = function;
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>The awaitable the caller gets (awaited once).</summary>
    public ValueTask<TResult> Task => new(this, _core.Version);

    /// <summary>Starts the call's timeout: the slot fails with <see cref="RpcFailure.Timeout"/> if no answer came by then (nothing to do if one has).</summary>
    public void StartTimeout(TimeSpan timeout)
    {
        _timeout = timeout;
        if (timeout != Timeout.InfiniteTimeSpan && IsPending)
        {
            _caller.Timers.Schedule(this, timeout);
        }
    }

    /// <inheritdoc />
    public void SetWatch(ICallWatch watch, long key)
    {
        _watchKey = key;
        Volatile.Write(ref _watch, watch);
        if (!IsPending)
        {
            ReleaseWatch(); // Completed while being registered, so its completer found nothing to release.
        }
    }

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
        if (reply is RpcFault fault)
        {
            _core.SetException(fault.ToException(_node, _function));
        }
        else if (RpcValues.TryConvert(reply, typeof(TResult), out var result))
        {
            _core.SetResult((TResult)result!);
        }
        else
        {
            _core.SetException(new InvalidCastException(
                $"rpc {_function} on {_node} returned {RpcValues.Describe(reply)}, but the caller expected {RpcValues.NameOf(typeof(TResult))}. " +
                "Call it with the type the function returns (or with object)."));
        }
        return true;
    }

    /// <inheritdoc />
    public bool Fail(long token, ExitReason reason) => Fail(reason.Kind switch
    {
        ExitReasonKind.NodeDown or ExitReasonKind.NoConnection => new RpcException(
            RpcFailure.NodeDown, _node, _function, "nodedown: it could not be reached, is stopping, or its connection was lost"),
        // An answer that could not cross back (a result that cannot be serialized, a type this node cannot load).
        ExitReasonKind.Exception => new RpcException(RpcFailure.Exception, _node, _function, reason.Detail ?? "", reason.ExceptionType),
        _ => new RpcException(RpcFailure.Exception, _node, _function, $"it ended with reason {reason}", "exit"),
    });

    /// <summary>Fails the call with <paramref name="error"/>; false when it had already completed.</summary>
    public bool Fail(RpcException error)
    {
        if (!TryComplete(Fired))
        {
            return false;
        }
        ReleaseWatch();
        _core.SetException(error);
        return true;
    }

    /// <inheritdoc />
    public bool IsAwaiting(long token) => IsPending;

    /// <summary>The timeout: the wheel has already claimed the entry, so complete it directly.</summary>
    protected override void Fire()
    {
        ReleaseWatch(); // Forgotten by the other node's table of pending calls: a late answer is dropped.
        _core.SetException(new RpcException(RpcFailure.Timeout, _node, _function, $"no answer within {Describe(_timeout)}"));
    }

    private static string Describe(TimeSpan timeout) => timeout.TotalSeconds >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{timeout.TotalSeconds:0.###} s")
        : string.Create(CultureInfo.InvariantCulture, $"{timeout.TotalMilliseconds:0.###} ms");

    /// <inheritdoc />
    bool IRpcResponse<TResult>.HasArrived => !IsPending;

    /// <inheritdoc />
    ValueTask<TResult> IRpcResponse<TResult>.Receive(TimeSpan? timeout)
    {
        var wait = _caller.CallTimeout(timeout);
        if (Interlocked.Exchange(ref _received, 1) != 0)
        {
            throw new InvalidOperationException(
                $"The response to rpc {_function} on {_node} was already received: a request's response is received once (as with erpc:receive_response).");
        }
        StartTimeout(wait);
        return Task;
    }

    TResult IValueTaskSource<TResult>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<TResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<TResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

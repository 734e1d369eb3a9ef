using System.Threading.Tasks.Sources;

namespace ProcessGrid.Runtime.Processes;

/// <summary>
/// A receive that is waiting: what it accepts, and the awaitable the process's code is suspended on. One waiter per
/// process is reused from one receive to the next (as long as the awaited type stays the same), so a receive that has
/// to wait allocates nothing.
/// </summary>
/// <remarks>
/// Completion runs the process's code inline on the thread that completes it, which is always the thread that owns
/// the mailbox at that moment: ownership passes to the code with the message.
/// </remarks>
internal abstract class ReceiveWaiter
{
    /// <summary>The result a timed-out receive completes with.</summary>
    internal static readonly object TimedOutMarker = new();

    private protected ManualResetValueTaskSourceCore<object?> _core;

    protected ReceiveWaiter() => _core.RunContinuationsAsynchronously = false;

    /// <summary>Which park this is (a timer for an older park must not end a newer one).</summary>
    internal int Generation;

    /// <summary>The timeout timer of this park, if it has one.</summary>
    internal ReceiveTimer? Timer;

    /// <summary>True when <paramref name="message"/> is one this receive accepts.</summary>
    internal abstract bool Matches(object message);

    /// <summary>The version the next awaitable must carry.</summary>
    internal short Version => _core.Version;

    /// <summary>Prepares for a new park.</summary>
    internal void Reset() => _core.Reset();

    /// <summary>Resumes the waiting code with a message (or <see cref="TimedOutMarker"/>).</summary>
    internal void Complete(object message) => _core.SetResult(message);

    /// <summary>Resumes the waiting code with an exception (the process has exited).</summary>
    internal void Fail(Exception exception) => _core.SetException(exception);
}

/// <summary>A waiter for messages of type <typeparamref name="T"/>.</summary>
internal sealed class ReceiveWaiter<T> : ReceiveWaiter, IValueTaskSource<T>, IValueTaskSource<ReceiveResult<T>>
{
    /// <summary>The caller's extra condition, if any.</summary>
    internal Func<T, bool>? Match;

    /// <inheritdoc />
    internal override bool Matches(object message) => message is T typed && (Match is null || Match(typed));

    T IValueTaskSource<T>.GetResult(short token) => (T)_core.GetResult(token)!;

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    ReceiveResult<T> IValueTaskSource<ReceiveResult<T>>.GetResult(short token)
    {
        var result = _core.GetResult(token);
        return ReferenceEquals(result, TimedOutMarker) ? ReceiveResult<T>.Timeout : ReceiveResult<T>.Of((T)result!);
    }

    ValueTaskSourceStatus IValueTaskSource<ReceiveResult<T>>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<ReceiveResult<T>>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

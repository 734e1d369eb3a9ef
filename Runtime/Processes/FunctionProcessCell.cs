using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Timers;

namespace ProcessGrid.Runtime.Processes;

/// <summary>
/// A process whose code receives: an async function (<c>ctx =&gt; ...</c>) or a <see cref="GridProcess"/>. Implements
/// Erlang's selective receive: the first message that matches, in arrival order; the ones that do not match stay in the
/// save queue for later receives; <c>after</c> is a timer-wheel entry, not a thread.
/// </summary>
/// <remarks>
/// <para>The process's code owns the mailbox whenever it runs: the first run starts it, and a waiting receive is
/// completed inline by the runner that found the message, handing ownership to the code with it. A receive that finds
/// nothing parks (records itself as <see cref="_pending"/>) and releases ownership; a sender or the receive's timer
/// then schedules a runner. Code awaiting anything else (a call's reply, I/O) keeps ownership: messages queue until it
/// next receives.</para>
/// <para>When the process exits while its code waits in a receive, the runner fails that receive with
/// <see cref="ProcessExitedException"/>, which unwinds the code so its <c>finally</c> blocks run.</para>
/// </remarks>
internal sealed class FunctionProcessCell : ProcessCell
{
    /// <summary>Receives that complete at once before the code is made to yield its thread (Erlang's reductions).</summary>
    private const int SynchronousReceiveBudget = 256;

    private readonly Func<IProcessContext, Task>? _body;
    private readonly GridProcess? _behavior;
    private bool _started;
    private ReceiveWaiter? _pending;
    private ReceiveWaiter? _waiterCache;
    private int _generation;
    private int _timedOutGeneration;
    private int _synchronousStreak;
    private bool _turnUsedUp;
    private Action? _onBodyCompleted;
    private Task? _bodyTask;

    public FunctionProcessCell(ProcessNode node, Pid self, Pid? parent, Func<IProcessContext, Task> body)
        : base(node, self, parent) => _body = body;

    public FunctionProcessCell(ProcessNode node, Pid self, Pid? parent, GridProcess behavior)
        : base(node, self, parent)
    {
        _behavior = behavior;
        behavior.Attach(this);
    }

    /// <inheritdoc />
    internal override string TypeName => _behavior is not null
        ? _behavior.GetType().FullName ?? _behavior.GetType().Name
        : "fun " + (_body!.Method.DeclaringType?.FullName ?? "?") + "." + _body.Method.Name;

    /// <inheritdoc />
    private protected override bool HasPendingWork =>
        _pending is { } waiter && (Volatile.Read(ref _timedOutGeneration) == waiter.Generation || !IsAlive);

    // ------------------------------------------------------------------------------------------------------------
    // Runner
    // ------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    private protected override void Run()
    {
        if (!_started)
        {
            _started = true;
            if (IsAlive)
            {
                StartBody();
                return;
            }
        }
        do
        {
            var waiter = _pending;
            if (!IsAlive)
            {
                if (waiter is not null)
                {
                    _pending = null;
                    waiter.Timer?.TryComplete(TimerEntry.Cancelled);
                    waiter.Fail(new ProcessExitedException(Self, ExitReason!));
                    return; // The code unwinds inline and, owning the mailbox, drains it when it finishes.
                }
                DrainAfterExit();
                continue;
            }
            if (waiter is null)
            {
                continue; // Nobody waits (a stray wake-up): release.
            }
            if (TryTakeMatch(waiter, out var message))
            {
                _pending = null;
                waiter.Timer?.TryComplete(TimerEntry.Cancelled);
                _synchronousStreak = 0;
                waiter.Complete(message);
                return; // The code now runs (inline) and owns the mailbox.
            }
            if (Volatile.Read(ref _timedOutGeneration) == waiter.Generation)
            {
                _pending = null;
                waiter.Complete(ReceiveWaiter.TimedOutMarker);
                return;
            }
        }
        while (TryRelease());
    }

    /// <summary>Called by a receive's timer on a thread-pool thread.</summary>
    internal void OnReceiveTimeout(int generation)
    {
        var current = Volatile.Read(ref _timedOutGeneration);
        while (generation > current)
        {
            var seen = Interlocked.CompareExchange(ref _timedOutGeneration, generation, current);
            if (seen == current)
            {
                break;
            }
            current = seen;
        }
        Wake();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Receive (called by the process's own code, which owns the mailbox)
    // ------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public override ValueTask<object> Receive(Func<object, bool>? match = null)
    {
        var waiter = PrepareWaiter(match);
        if (TryReceiveNow(waiter, out var message))
        {
            return new ValueTask<object>(message);
        }
        Park(waiter, null);
        return new ValueTask<object>(waiter, waiter.Version);
    }

    /// <inheritdoc />
    public override ValueTask<T> Receive<T>(Func<T, bool>? match = null)
    {
        var waiter = PrepareWaiter(match);
        if (TryReceiveNow(waiter, out var message))
        {
            return new ValueTask<T>((T)message);
        }
        Park(waiter, null);
        return new ValueTask<T>(waiter, waiter.Version);
    }

    /// <inheritdoc />
    public override ValueTask<ReceiveResult<T>> Receive<T>(TimeSpan timeout, Func<T, bool>? match = null)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A receive timeout is zero or more (or Timeout.InfiniteTimeSpan).");
        }
        var waiter = PrepareWaiter(match);
        if (timeout == TimeSpan.Zero)
        {
            // 'after 0' only looks at what is there; it never waits, so the turn budget does not apply.
            return new ValueTask<ReceiveResult<T>>(TryTakeMatch(waiter, out var present)
                ? ReceiveResult<T>.Of((T)present)
                : ReceiveResult<T>.Timeout);
        }
        if (TryReceiveNow(waiter, out var message))
        {
            return new ValueTask<ReceiveResult<T>>(ReceiveResult<T>.Of((T)message));
        }
        Park(waiter, timeout == Timeout.InfiniteTimeSpan ? null : timeout);
        return new ValueTask<ReceiveResult<T>>(waiter, waiter.Version);
    }

    private ReceiveWaiter<T> PrepareWaiter<T>(Func<T, bool>? match)
    {
        ThrowIfExited();
        if (!_started)
        {
            throw new InvalidOperationException($"Process {Self} received before it started: receive only from the process's own code.");
        }
        if (_waiterCache is not ReceiveWaiter<T> waiter)
        {
            waiter = new ReceiveWaiter<T>();
            _waiterCache = waiter;
        }
        waiter.Match = match;
        return waiter;
    }

    /// <summary>Takes a matching message that is already there, unless the code has used up its turn.</summary>
    private bool TryReceiveNow(ReceiveWaiter waiter, out object message)
    {
        if (++_synchronousStreak >= SynchronousReceiveBudget)
        {
            _synchronousStreak = 0;
            _turnUsedUp = true;
            message = null!;
            return false; // Park even if a message is there: the runner, queued behind other work, delivers it.
        }
        return TryTakeMatch(waiter, out message);
    }

    /// <summary>
    /// Records the receive as waiting and gives up the mailbox. The code then awaits the waiter, which a runner
    /// completes later, or which is already complete if a message raced the release.
    /// </summary>
    private void Park(ReceiveWaiter waiter, TimeSpan? timeout)
    {
        if (IsStarting)
        {
            AcknowledgeStart(); // The code has done its setup and now waits for messages: the start is complete.
        }
        waiter.Reset();
        waiter.Generation = ++_generation;
        waiter.Timer = null;
        _pending = waiter;
        if (timeout is { } delay)
        {
            var timer = new ReceiveTimer(this, waiter.Generation);
            waiter.Timer = timer;
            _node.Timers.Schedule(timer, delay);
        }
        if (_turnUsedUp)
        {
            // Out of turn budget: keep ownership and hand over to a runner queued at the back of the pool.
            _turnUsedUp = false;
            Yield();
            return;
        }
        while (TryRelease())
        {
            // Work arrived while releasing: this thread owns the mailbox again, so look once more.
            if (TryTakeMatch(waiter, out var message))
            {
                _pending = null;
                waiter.Timer?.TryComplete(TimerEntry.Cancelled);
                waiter.Complete(message);
                return;
            }
            if (!IsAlive || Volatile.Read(ref _timedOutGeneration) == waiter.Generation)
            {
                // Let a runner resolve it (unwinding after an exit, or the after branch), handing ownership to it.
                Yield();
                return;
            }
        }
    }

    private bool TryTakeMatch(ReceiveWaiter waiter, out object message)
    {
        if (_saved.TryTake(static (envelope, w) => w.Matches(envelope.Message!), waiter, out var saved))
        {
            message = saved.Message!;
            return true;
        }
        while (TryDequeue(out var envelope))
        {
            if (envelope.Kind == EnvelopeKind.Call && envelope.Message is not CallRequest)
            {
                envelope.Message = new CallRequest(envelope.Message!, envelope.From);
            }
            if (waiter.Matches(envelope.Message!))
            {
                message = envelope.Message!;
                return true;
            }
            _saved.Append(envelope);
        }
        message = null!;
        return false;
    }

    // ------------------------------------------------------------------------------------------------------------
    // The process's code
    // ------------------------------------------------------------------------------------------------------------

    private void StartBody()
    {
        Task task;
        try
        {
            task = _body is not null ? _body(this) : _behavior!.RunAsync(this);
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }
        _bodyTask = task;
        if (task.IsCompleted)
        {
            OnBodyCompleted();
        }
        else
        {
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onBodyCompleted ??= OnBodyCompleted);
        }
    }

    /// <summary>The code finished (it owned the mailbox when it did): exit, then drain what is left.</summary>
    private void OnBodyCompleted()
    {
        var task = _bodyTask!;
        _bodyTask = null;
        if (task.IsCompletedSuccessfully)
        {
            AcknowledgeStart(); // Finished its work without ever waiting: a start that succeeded.
            Die(ProcessGrid.ExitReason.Normal);
        }
        else
        {
            var error = task.IsCanceled ? new TaskCanceledException(task) : task.Exception!.InnerException!;
            switch (error)
            {
                case ExitException { Reason.Kind: ExitReasonKind.Normal } exit:
                    AcknowledgeStart();
                    Die(exit.Reason);
                    break;
                case ExitException exit:
                    FailStart(exit.Reason, null);
                    break;
                case ProcessExitedException or OperationCanceledException when !IsAlive:
                    break; // Unwinding after the process was ended from outside.
                default:
                    FailStart(ProcessGrid.ExitReason.FromException(error), error);
                    break;
            }
        }
        _pending = null;
        do
        {
            DrainAfterExit();
        }
        while (TryRelease());
    }
}

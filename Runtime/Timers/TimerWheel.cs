using System.Diagnostics;

namespace ProcessGrid.Runtime.Timers;

/// <summary>
/// The node's one clock for deadlines: call timeouts, <c>receive ... after</c>, <c>send_after</c>. A hashed timing
/// wheel: scheduling is a lock-free push onto one slot's list, cancelling is a state change, and one
/// <see cref="System.Threading.Timer"/> advances the wheel, so no waiting process holds a thread or a timer of its own.
/// </summary>
/// <remarks>
/// <para>Slot of an entry = its deadline tick modulo the slot count. When the wheel reaches a tick it takes that slot's
/// whole list in one exchange; entries due later (a deadline more than one revolution away) go back in, entries no
/// longer pending are dropped, and due ones are claimed and queued to the thread pool.</para>
/// <para>The driving timer runs only while entries are outstanding.</para>
/// </remarks>
internal sealed class TimerWheel : IDisposable
{
    private const int SlotCount = 4096;
    private const int SlotMask = SlotCount - 1;

    private readonly TimerEntry?[] _slots = new TimerEntry?[SlotCount];
    private readonly long _tickTicks;
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly Timer _timer;
    private readonly Lock _advanceGate = new();
    private long _processedTick;
    private long _outstanding;
    private int _armed;
    private volatile bool _disposed;

    /// <summary>Creates a wheel that advances every <paramref name="resolution"/>.</summary>
    public TimerWheel(TimeSpan resolution)
    {
        if (resolution <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "The timer resolution must be positive.");
        }
        Resolution = resolution;
        _tickTicks = Math.Max(1, (long)(resolution.TotalSeconds * Stopwatch.Frequency));
        _timer = new Timer(static state => ((TimerWheel)state!).Advance(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>The wheel's granularity: entries fire at most this much after their deadline (plus thread-pool delay).</summary>
    public TimeSpan Resolution { get; }

    /// <summary>How many entries are in the wheel (including completed ones not yet dropped).</summary>
    public long Outstanding => Volatile.Read(ref _outstanding);

    private long NowTick => (Stopwatch.GetTimestamp() - _origin) / _tickTicks;

    /// <summary>Schedules <paramref name="entry"/> to fire after <paramref name="delay"/>.</summary>
    public void Schedule(TimerEntry entry, TimeSpan delay)
    {
        // The wheel reaches tick T no sooner than T whole ticks after its origin, so the first tick that starts at or
        // after now + delay never fires early. (Counting whole ticks from the current, partly elapsed tick would fire
        // up to one tick before the delay has passed.)
        var now = Stopwatch.GetTimestamp() - _origin;
        var dueAt = Math.Min(now + (Math.Max(0, delay.TotalSeconds) * Stopwatch.Frequency), long.MaxValue / 2);
        entry.DueAt = (long)dueAt;
        entry.DeadlineTick = Math.Max(now / _tickTicks + 1, (long)Math.Ceiling(dueAt / _tickTicks));
        Interlocked.Increment(ref _outstanding);
        Push(entry);
        Arm();

        // The wheel may have passed this slot between reading the clock and pushing: fire it here, late by under a tick.
        if (Volatile.Read(ref _processedTick) >= entry.DeadlineTick && entry.TryComplete(TimerEntry.Fired))
        {
            ThreadPool.UnsafeQueueUserWorkItem(entry, preferLocal: false);
        }
    }

    /// <summary>How long until <paramref name="entry"/> is due (zero when overdue).</summary>
    public TimeSpan Remaining(TimerEntry entry)
    {
        var left = entry.DueAt - (Stopwatch.GetTimestamp() - _origin);
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
    }

    private void Push(TimerEntry entry)
    {
        ref var slot = ref _slots[entry.DeadlineTick & SlotMask];
        TimerEntry? head;
        do
        {
            head = Volatile.Read(ref slot);
            entry.NextInSlot = head;
        }
        while (!ReferenceEquals(Interlocked.CompareExchange(ref slot, entry, head), head));
    }

    private void Arm()
    {
        if (Volatile.Read(ref _armed) == 0 && Interlocked.Exchange(ref _armed, 1) == 0 && !_disposed)
        {
            if (Volatile.Read(ref _processedTick) < NowTick - SlotCount)
            {
                // The wheel slept for more than a revolution; nothing was pending, so skip the empty ticks.
                Volatile.Write(ref _processedTick, NowTick - 1);
            }
            var period = (int)Math.Max(1, Resolution.TotalMilliseconds);
            _timer.Change(period, period);
        }
    }

    private void Advance()
    {
        // One advancer at a time: a slow tick must not race the next one over the same slots.
        if (!_advanceGate.TryEnter())
        {
            return;
        }
        try
        {
            var now = NowTick;
            for (var tick = _processedTick + 1; tick <= now; tick++)
            {
                ProcessSlot(tick);
                Volatile.Write(ref _processedTick, tick);
            }
            if (Volatile.Read(ref _outstanding) == 0)
            {
                Volatile.Write(ref _armed, 0);
                _timer.Change(Timeout.Infinite, Timeout.Infinite);
                if (Volatile.Read(ref _outstanding) > 0)
                {
                    Arm();
                }
            }
        }
        finally
        {
            _advanceGate.Exit();
        }
    }

    private void ProcessSlot(long tick)
    {
        var entry = Interlocked.Exchange(ref _slots[tick & SlotMask], null);
        while (entry is not null)
        {
            var next = entry.NextInSlot;
            entry.NextInSlot = null;
            if (!entry.IsPending)
            {
                Interlocked.Decrement(ref _outstanding);
            }
            else if (entry.DeadlineTick > tick)
            {
                Push(entry);
            }
            else
            {
                Interlocked.Decrement(ref _outstanding);
                if (entry.TryComplete(TimerEntry.Fired))
                {
                    ThreadPool.UnsafeQueueUserWorkItem(entry, preferLocal: false);
                }
            }
            entry = next;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
    }
}

namespace ProcessGrid.Runtime.Timers;

/// <summary>
/// Something the <see cref="TimerWheel"/> fires once at its deadline, unless it was completed or cancelled first.
/// </summary>
/// <remarks>
/// The state word is the single point of truth: whoever moves it from <see cref="Pending"/> first wins, whether that is
/// the wheel firing, a cancel, or (for a call) the reply arriving. The wheel drops entries that are no longer pending
/// when their slot comes round, so completing an entry costs no removal.
/// </remarks>
internal abstract class TimerEntry : IThreadPoolWorkItem
{
    internal const int Pending = 0;
    internal const int Fired = 1;
    internal const int Cancelled = 2;

    private int _state;

    /// <summary>The next entry in the same wheel slot (owned by the wheel).</summary>
    internal TimerEntry? NextInSlot;

    /// <summary>The wheel tick at which the entry fires: the first tick that starts at or after <see cref="DueAt"/>.</summary>
    internal long DeadlineTick;

    /// <summary>When the entry is due, in <see cref="System.Diagnostics.Stopwatch"/> ticks since the wheel's origin.</summary>
    internal long DueAt;

    /// <summary>True while neither fired nor cancelled nor completed.</summary>
    internal bool IsPending => Volatile.Read(ref _state) == Pending;

    /// <summary>Moves the entry out of <see cref="Pending"/>; true for the one caller that did.</summary>
    internal bool TryComplete(int finalState) => Interlocked.CompareExchange(ref _state, finalState, Pending) == Pending;

    /// <summary>Does the entry's work; runs on the thread pool after the wheel claimed the entry.</summary>
    protected abstract void Fire();

    void IThreadPoolWorkItem.Execute() => Fire();
}

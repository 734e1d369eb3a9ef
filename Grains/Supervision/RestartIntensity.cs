namespace ProcessGrid;

/// <summary>
/// A supervisor's restart budget: at most <c>intensity</c> restarts in any window of <c>period</c> (Erlang's
/// <c>add_restart</c>). Each restart, successful or not, is counted when it is attempted.
/// </summary>
/// <param name="intensity">The most restarts allowed in a window.</param>
/// <param name="period">The window's length.</param>
/// <param name="time">The clock (the system's, or a test's).</param>
internal sealed class RestartIntensity(int intensity, TimeSpan period, TimeProvider time)
{
    // Timestamps (in the clock's ticks) of the restarts still inside the window, oldest first.
    private readonly Queue<long> _restarts = new();
    private readonly long _periodTicks = (long)(period.TotalSeconds * time.TimestampFrequency);

    /// <summary>Counts one restart now; false when that makes more than the intensity within the period.</summary>
    public bool TryAdd()
    {
        var now = time.GetTimestamp();
        _restarts.Enqueue(now);
        while (now - _restarts.Peek() > _periodTicks)
        {
            _restarts.Dequeue();
        }
        return _restarts.Count <= intensity;
    }
}

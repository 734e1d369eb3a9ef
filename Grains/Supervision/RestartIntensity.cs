using System.Diagnostics;

namespace ProcessGrid;

/// <summary>
/// A supervisor's restart budget: at most <c>intensity</c> restarts in any window of <c>period</c> (Erlang's
/// <c>add_restart</c>). Each restart, successful or not, is counted when it is attempted.
/// </summary>
internal sealed class RestartIntensity(int intensity, TimeSpan period)
{
    // Timestamps (Stopwatch ticks) of the restarts still inside the window, oldest first.
    private readonly Queue<long> _restarts = new();
    private readonly long _periodTicks = (long)(period.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Counts one restart now; false when that makes more than the intensity within the period.</summary>
    public bool TryAdd()
    {
        var now = Stopwatch.GetTimestamp();
        _restarts.Enqueue(now);
        while (_restarts.Count > 0 && now - _restarts.Peek() > _periodTicks)
        {
            _restarts.Dequeue();
        }
        return _restarts.Count <= intensity;
    }
}

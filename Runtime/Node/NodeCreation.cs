namespace ProcessGrid.Runtime.Node;

/// <summary>
/// Hands out node creations (generations): the milliseconds since 2022-01-01 UTC when the node started, forced to
/// increase within one OS process, so that a restarted node at the same name is a new identity and pids of its earlier
/// run never reach a process of the new one. (Seconds, as Orleans uses, are too coarse: a node killed and restarted by
/// its supervisor can be back within the same second.)
/// </summary>
internal static class NodeCreation
{
    private static readonly DateTimeOffset Epoch = new(2022, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static long _last;

    /// <summary>The next creation.</summary>
    public static long Next()
    {
        var now = (long)(DateTimeOffset.UtcNow - Epoch).TotalMilliseconds;
        while (true)
        {
            var last = Interlocked.Read(ref _last);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }
}

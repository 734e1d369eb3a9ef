using System.Globalization;

namespace ProcessGrid;

/// <summary>
/// How a supervisor shuts a child down (Erlang's <c>shutdown</c> child spec field): <see cref="BrutalKill"/>, a
/// timeout (<see cref="After"/>), or <see cref="Infinity"/>.
/// </summary>
/// <remarks>
/// <para>Whatever the kind, the supervisor first unlinks the child and watches it, so that it learns the child's real exit
/// reason and no exit signal of the child reaches it afterwards.</para>
/// <list type="bullet">
/// <item><see cref="BrutalKill"/>: <c>Exit(child, kill)</c>; the child has no chance to clean up.</item>
/// <item><see cref="After"/>: <c>Exit(child, shutdown)</c>, then, if the child has not exited within the timeout,
/// <c>Exit(child, kill)</c>. A child that traps exits runs its cleanup in that time.</item>
/// <item><see cref="Infinity"/>: <c>Exit(child, shutdown)</c> and wait as long as it takes: the default for
/// supervisors, whose own children's shutdowns take their own time.</item>
/// </list>
/// </remarks>
public sealed record ChildShutdown
{
    private ChildShutdown(bool brutalKill, TimeSpan timeout)
    {
        IsBrutalKill = brutalKill;
        Timeout = timeout;
    }

    /// <summary><c>brutal_kill</c>: the child is killed at once.</summary>
    public static ChildShutdown BrutalKill { get; } = new(true, TimeSpan.Zero);

    /// <summary><c>infinity</c>: the child is asked to shut down and waited for without limit.</summary>
    public static ChildShutdown Infinity { get; } = new(false, System.Threading.Timeout.InfiniteTimeSpan);

    /// <summary>The default for workers: asked to shut down, killed if still alive after 5 seconds (Erlang's 5000).</summary>
    public static ChildShutdown WorkerDefault { get; } = new(false, TimeSpan.FromSeconds(5));

    /// <summary>A timeout: the child is asked to shut down, and killed if it is still alive after <paramref name="timeout"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The timeout is negative, or longer than <see cref="int.MaxValue"/> milliseconds (about 24 days): use
    /// <see cref="Infinity"/> for no limit.
    /// </exception>
    public static ChildShutdown After(TimeSpan timeout)
    {
        if (timeout == System.Threading.Timeout.InfiniteTimeSpan)
        {
            return Infinity;
        }
        if (timeout < TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout,
                "A shutdown timeout is between zero and int.MaxValue milliseconds; use ChildShutdown.Infinity to wait without limit.");
        }
        return new(false, timeout);
    }

    /// <summary>True for <see cref="BrutalKill"/>.</summary>
    public bool IsBrutalKill { get; }

    /// <summary>True for <see cref="Infinity"/>.</summary>
    public bool IsInfinity => !IsBrutalKill && Timeout == System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary>How long the child may take to exit after <c>shutdown</c> before it is killed (<see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for <see cref="Infinity"/>, zero for <see cref="BrutalKill"/>).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Erlang's notation: <c>brutal_kill</c>, <c>infinity</c>, or the timeout in milliseconds.</summary>
    public override string ToString() =>
        IsBrutalKill ? "brutal_kill" : IsInfinity ? "infinity" : ((long)Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}

namespace ProcessGrid.Runtime.Cluster;

/// <summary>
/// Timings of the membership protocol (Orleans' <c>ClusterMembershipOptions</c>, tuned for fast failure detection).
/// Bound from <c>ProcessGrid:Cluster:Membership</c>. With the defaults, a node whose process dies (its sockets close)
/// is declared dead within about half a second, and one that stops answering without closing its sockets within about
/// two seconds.
/// </summary>
public sealed class MembershipOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProcessGrid:Cluster:Membership";

    /// <summary>How often each node probes each other node over its connection. Default: 500 ms.</summary>
    public TimeSpan ProbePeriod { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a probe waits for its answer. Default: 500 ms.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Consecutive failed probes after which a node suspects another (votes against it). Default: 3.</summary>
    public int NumMissedProbesLimit { get; set; } = 3;

    /// <summary>
    /// After a connection to a node closes, the interval of the immediate probes that confirm (or not) that it is gone:
    /// a closed connection is a strong hint, so it is followed up at once rather than at the next period. Default: 100 ms.
    /// </summary>
    public TimeSpan ConnectionLossProbeInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Votes needed to declare a node dead (fewer when fewer nodes are active: a majority of them). Default: 2.</summary>
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>How long a vote counts. Default: 2 min.</summary>
    public TimeSpan DeathVoteExpiration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a node writes its I-am-alive time to the table (diagnostics, stale rows). Default: 30 s.</summary>
    public TimeSpan IAmAlivePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a node re-reads the whole table, a fallback to the changes other nodes send it. Default: 10 s.</summary>
    public TimeSpan TableRefreshPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a node keeps trying to join (reach the database, write its row, reach the active nodes). Default: 5 min.</summary>
    public TimeSpan MaxJoinAttemptTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The first wait before retrying a membership write that failed (doubles up to <see cref="MaxRetryDelay"/>). Default: 100 ms.</summary>
    public TimeSpan MinRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between retries of a membership write. Default: 5 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}

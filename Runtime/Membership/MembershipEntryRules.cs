namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// What every membership table accepts and how it keeps it, in one place so the in-memory table and the PostgreSQL
/// table give back the same rows for the same writes.
/// </summary>
/// <remarks>
/// <para>Times are kept in UTC to the microsecond, PostgreSQL's <c>timestamptz</c> precision: a row reads back with its
/// times truncated to the microsecond (never rounded up, so a time never moves into the future), whichever table keeps
/// it.</para>
/// <para>A row is refused (<see cref="ArgumentException"/>) when it has no node name, no endpoint, a status outside
/// <see cref="NodeStatus"/>, or a vote without a voter: such a row is a bug in the caller, and storing it would only
/// move the failure to every node that reads it.</para>
/// </remarks>
internal static class MembershipEntryRules
{
    /// <summary>Checks <paramref name="entry"/> and returns it as a table keeps it: UTC microsecond times, its own copy of the votes.</summary>
    /// <exception cref="ArgumentException">The entry is not a valid row.</exception>
    public static MembershipEntry ToStored(MembershipEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        RequireNode(entry.Name, nameof(entry));
        if (string.IsNullOrWhiteSpace(entry.Endpoint))
        {
            throw new ArgumentException($"The membership row of {entry.Name} has no endpoint; it needs the host:port other nodes reach it at.", nameof(entry));
        }
        if (!IsKnownStatus((short)entry.Status))
        {
            throw new ArgumentException($"The membership row of {entry.Name} has status {(short)entry.Status}, which is not a node status.", nameof(entry));
        }
        ArgumentNullException.ThrowIfNull(entry.Votes, nameof(entry));
        var votes = new SuspectVote[entry.Votes.Count];
        for (var i = 0; i < votes.Length; i++)
        {
            var vote = entry.Votes[i] ?? throw new ArgumentException($"The membership row of {entry.Name} has a missing vote.", nameof(entry));
            RequireNode(vote.Voter, nameof(entry));
            votes[i] = vote with { At = ToStoredTime(vote.At) };
        }
        // A copy the caller cannot change afterwards: the in-memory table hands this very list to every reader.
        return entry with
        {
            Votes = Array.AsReadOnly(votes),
            StartedAt = ToStoredTime(entry.StartedAt),
            IAmAliveAt = ToStoredTime(entry.IAmAliveAt),
        };
    }

    /// <summary>A time as a table keeps it: UTC, truncated to the microsecond.</summary>
    public static DateTimeOffset ToStoredTime(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);

    /// <summary>True when <paramref name="status"/> is one of <see cref="NodeStatus"/>'s values.</summary>
    public static bool IsKnownStatus(short status) => Enum.IsDefined((NodeStatus)status);

    /// <summary>Refuses a negative expected version: versions start at 0 and only grow, so such a caller has a bug.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The version is negative.</exception>
    public static void RequireVersion(long expectedVersion) => ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);

    /// <summary>Refuses <see cref="NodeName.None"/>: a row always belongs to a named node.</summary>
    /// <exception cref="ArgumentException">The name is <see cref="NodeName.None"/>.</exception>
    public static void RequireNode(NodeName name, string parameterName)
    {
        if (name.IsNone)
        {
            throw new ArgumentException("A membership row needs a node name; this one is nonode@nohost.", parameterName);
        }
    }

    /// <summary>Refuses an empty cluster id.</summary>
    /// <exception cref="ArgumentException">The cluster id is empty or blank.</exception>
    public static string RequireClusterId(string clusterId)
    {
        if (string.IsNullOrWhiteSpace(clusterId))
        {
            throw new ArgumentException("A membership table needs a cluster id (ProcessGrid:Cluster:ClusterId).", nameof(clusterId));
        }
        return clusterId;
    }

    /// <summary>
    /// The failure of an I-am-alive write to a row that is not there. The write did not happen, so it is not reported as
    /// done; a node whose row is gone has been removed from the cluster.
    /// </summary>
    public static KeyNotFoundException MissingRow(NodeName name, long creation) => new(
        $"The membership table has no row for {name} (creation {creation}): it was never inserted or was deleted as defunct, so its I-am-alive time was not written.");
}

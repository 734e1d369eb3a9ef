namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// Where a cluster's membership is kept (Orleans' <c>IMembershipTable</c>): one version row plus one row per node
/// identity. Every change of a row's status or votes is written together with an increment of the version, and only
/// if the version is still the one the writer read (compare-and-swap), so that writes from all nodes are serialized and
/// every node can tell a newer view from an older one.
/// </summary>
/// <remarks>
/// Implementations never fake success: when the store cannot be reached they throw
/// <see cref="MembershipUnavailableException"/>, and the caller retries. Each instance serves one cluster id.
/// </remarks>
internal interface IMembershipTable
{
    /// <summary>Creates what the table needs (schema, the cluster's version row) if missing. Safe to call again, and from several nodes at once.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>All rows of the cluster and the version, read atomically.</summary>
    Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Inserts <paramref name="entry"/> and increments the version, if the version is still
    /// <paramref name="expectedVersion"/> and no row has the entry's identity. False when either check fails (nothing
    /// was written: read again and retry).
    /// </summary>
    Task<bool> InsertAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the row with <paramref name="entry"/>'s identity (its status, votes, endpoint and times) and increments the
    /// version, if the version is still <paramref name="expectedVersion"/> and the row exists. False otherwise (nothing
    /// was written).
    /// </summary>
    Task<bool> UpdateAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Sets only the I-am-alive time of a row, without checking or incrementing the version (Orleans' dirty write).</summary>
    Task UpdateIAmAliveAsync(NodeName name, long creation, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Deletes the rows of dead nodes whose I-am-alive time is before <paramref name="before"/>; returns how many.</summary>
    Task<int> DeleteDefunctAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

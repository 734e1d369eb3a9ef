namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// The membership table of the development provider, kept in the memory of one node (the seed); the other nodes reach
/// it through that node. Same rules as the PostgreSQL table, so the membership protocol above cannot tell them apart.
/// </summary>
/// <remarks>
/// <para>Protocol and invariants:</para>
/// <list type="bullet">
/// <item>One version and one row per node identity (name + creation), guarded by one lock: every operation sees and
/// leaves a consistent table, and a read returns the version together with exactly the rows written up to it.</item>
/// <item>Insert and update are compare-and-swap on the version: they write only if the version is still the one the
/// writer read (and the identity is new, or exists, respectively), and then increment it by one. Otherwise nothing
/// changes and they return false. Of writers racing from one read, exactly one wins.</item>
/// <item>The I-am-alive write sets only that time: no version check, no increment (it is not a membership change).</item>
/// <item>Deleting defunct rows removes dead rows only and leaves the version alone, as the PostgreSQL table does: a dead
/// identity never comes back, so a view with or without its row means the same.</item>
/// <item>Rows are checked and stored as <see cref="MembershipEntryRules"/> says (UTC microsecond times, own vote list),
/// and the stored rows are immutable, so readers share them without copying.</item>
/// <item>It fences the seed's global table (<see cref="Global.IGlobalFence"/>): that table changes only under this
/// table's lock, so no membership write falls between a claim's membership check and its commit.</item>
/// </list>
/// <para>The table lives as long as its node: when the seed stops, the cluster's membership goes with it. That is the
/// development provider's known limit; production clusters use PostgreSQL.</para>
/// </remarks>
internal sealed class InMemoryMembershipTable : IMembershipTable, Global.IGlobalFence
{
    /// <summary>Guards <see cref="_version"/> and <see cref="_rows"/> together: they change only as one.</summary>
    private readonly Lock _gate = new();

    /// <summary>The rows by identity; each value is an immutable stored row.</summary>
    private readonly Dictionary<(NodeName Name, long Creation), MembershipEntry> _rows = [];

    /// <summary>The table version: 0 when empty and new, incremented by every successful insert and update.</summary>
    private long _version;

    /// <inheritdoc />
    Lock Global.IGlobalFence.Gate => _gate;

    /// <inheritdoc />
    bool Global.IGlobalFence.MayClaim(NodeName node, long creation) =>
        _rows.TryGetValue((node, creation), out var row) && row.Status is NodeStatus.Joining or NodeStatus.Active;

    /// <inheritdoc />
    bool Global.IGlobalFence.Counts(NodeName node, long creation) =>
        _rows.TryGetValue((node, creation), out var row) && row.Status != NodeStatus.Dead;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        // Nothing to create: the table exists from construction, so calling this again changes nothing.
        cancellationToken.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // The same order as the PostgreSQL table reads in (ordinal name, then creation), so views compare equal.
            var entries = _rows.Values.OrderBy(e => e.Name).ThenBy(e => e.Creation).ToArray();
            return Task.FromResult(new MembershipTableData(_version, entries));
        }
    }

    /// <inheritdoc />
    public Task<bool> InsertAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        var stored = MembershipEntryRules.ToStored(entry);
        MembershipEntryRules.RequireVersion(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_version != expectedVersion || !_rows.TryAdd((stored.Name, stored.Creation), stored))
            {
                return Task.FromResult(false);
            }
            _version++;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<bool> UpdateAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        var stored = MembershipEntryRules.ToStored(entry);
        MembershipEntryRules.RequireVersion(expectedVersion);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var identity = (stored.Name, stored.Creation);
            if (_version != expectedVersion || !_rows.ContainsKey(identity))
            {
                return Task.FromResult(false);
            }
            _rows[identity] = stored;
            _version++;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    /// <exception cref="KeyNotFoundException">No row has this identity (never inserted, or deleted as defunct).</exception>
    public Task UpdateIAmAliveAsync(NodeName name, long creation, DateTimeOffset at, CancellationToken cancellationToken)
    {
        MembershipEntryRules.RequireNode(name, nameof(name));
        var storedAt = MembershipEntryRules.ToStoredTime(at);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_rows.TryGetValue((name, creation), out var row))
            {
                throw MembershipEntryRules.MissingRow(name, creation);
            }
            _rows[(name, creation)] = row with { IAmAliveAt = storedAt };
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    public Task<int> DeleteDefunctAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var cutoff = MembershipEntryRules.ToStoredTime(before);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var defunct = _rows.Values.Where(e => e.Status == NodeStatus.Dead && e.IAmAliveAt < cutoff).ToArray();
            foreach (var row in defunct)
            {
                _rows.Remove((row.Name, row.Creation));
            }
            return Task.FromResult(defunct.Length);
        }
    }
}

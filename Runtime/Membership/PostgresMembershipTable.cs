using Npgsql;
using NpgsqlTypes;

namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// The membership table of one cluster in PostgreSQL (Orleans' ADO.NET clustering design): a version row plus one row
/// per node identity, changed only by compare-and-swap on the version.
/// </summary>
/// <remarks>
/// <para>Protocol and invariants (the statements and what each guarantees are in <see cref="PostgresMembershipSql"/>):</para>
/// <list type="bullet">
/// <item>Schema: created by <see cref="InitializeAsync"/>, or by the first operation of an instance that was not
/// initialized, inside one transaction that holds an advisory lock, with <c>IF NOT EXISTS</c>; so any number of nodes
/// may create it at once, and again. The cluster's version row starts at 0 and is never reset.</item>
/// <item>Read: the version and all rows in one statement, hence one snapshot.</item>
/// <item>Durability: the schema and every version change are committed with <c>synchronous_commit = on</c>, whatever
/// the server's default, so that a database crash cannot take back a version the nodes have seen.</item>
/// <item>Insert and update: one transaction each, whose one write statement increments the version only where it is
/// still the expected one and writes the row only if it did. When the statement wrote no row (stale version, duplicate
/// identity on insert, missing row on update) the transaction is rolled back and the result is false: nothing was
/// written. True only after the commit succeeded.</item>
/// <item>I-am-alive: one column of one row, no version check, no increment. A missing row is an error
/// (<see cref="KeyNotFoundException"/>), not a silent success.</item>
/// <item>Defunct cleanup: deletes Dead rows whose I-am-alive time is before the cutoff; the version is left alone.</item>
/// <item>Failures to reach the server throw <see cref="MembershipUnavailableException"/> (see
/// <see cref="PostgresUnavailability"/>) and clear the connection pool, so that the first operation after the server
/// is back uses a new connection rather than one the server closed. When a write fails that way, whether it happened
/// is unknown (the commit may have been lost on the way back): callers read the table again before retrying, as after
/// a false.</item>
/// </list>
/// <para>Rows are checked and stored as <see cref="MembershipEntryRules"/> says: times in UTC to the microsecond.</para>
/// </remarks>
internal sealed class PostgresMembershipTable : IMembershipTable, IAsyncDisposable
{
    /// <summary>The pool of connections to the database; owned and disposed by this table.</summary>
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>The parsed connection string, for messages (address, database, user; never the password).</summary>
    private readonly NpgsqlConnectionStringBuilder _settings;

    /// <summary>The cluster whose rows this table reads and writes.</summary>
    private readonly string _clusterId;

    /// <summary>Set once the schema and the version row are known to exist, so that later operations skip creating them.</summary>
    private volatile bool _initialized;

    /// <summary>Opens (lazily: nothing connects until the first operation) the table of <paramref name="clusterId"/>.</summary>
    /// <param name="connectionString">An Npgsql connection string (<see cref="Cluster.ClusterOptions.Database"/>).</param>
    /// <param name="clusterId">The cluster id (<see cref="Cluster.ClusterOptions.ClusterId"/>).</param>
    /// <exception cref="ArgumentException">The connection string cannot be parsed, or the cluster id is empty.</exception>
    public PostgresMembershipTable(string connectionString, string clusterId)
    {
        _clusterId = MembershipEntryRules.RequireClusterId(clusterId);
        _settings = new NpgsqlConnectionStringBuilder(connectionString);
        _dataSource = NpgsqlDataSource.Create(_settings);
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await RunAsync($"creating the membership tables of cluster '{_clusterId}'", async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    Command(PostgresMembershipSql.LockSchema, new NpgsqlParameter<long>("lock_key", PostgresMembershipSql.SchemaLockKey)),
                    Command(PostgresMembershipSql.DurableCommit),
                    Command(PostgresMembershipSql.CreateVersionTable),
                    Command(PostgresMembershipSql.CreateMembershipTable),
                    Command(PostgresMembershipSql.CreateVersionRow, ClusterParameter()),
                },
            };
            await batch.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
        _initialized = true;
    }

    /// <inheritdoc />
    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken);
        return await RunAsync($"reading the membership of cluster '{_clusterId}'", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(PostgresMembershipSql.ReadAll, connection) { Parameters = { ClusterParameter() } };
            await using var reader = await command.ExecuteReaderAsync(ct);
            long? version = null;
            var entries = new List<MembershipEntry>();
            while (await reader.ReadAsync(ct))
            {
                version = reader.GetInt64(0);
                if (!reader.IsDBNull(1))
                {
                    entries.Add(ReadEntry(reader));
                }
            }
            return new MembershipTableData(
                version ?? throw new InvalidDataException(
                    $"The version row of cluster '{_clusterId}' is missing from processgrid_membership_version although the cluster was initialized; it was deleted by hand."),
                entries);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> InsertAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken) =>
        WriteVersionedAsync(PostgresMembershipSql.Insert, "inserting", entry, expectedVersion, cancellationToken);

    /// <inheritdoc />
    public Task<bool> UpdateAsync(MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken) =>
        WriteVersionedAsync(PostgresMembershipSql.Update, "updating", entry, expectedVersion, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="KeyNotFoundException">No row has this identity (never inserted, or deleted as defunct).</exception>
    public async Task UpdateIAmAliveAsync(NodeName name, long creation, DateTimeOffset at, CancellationToken cancellationToken)
    {
        MembershipEntryRules.RequireNode(name, nameof(name));
        var storedAt = MembershipEntryRules.ToStoredTime(at);
        await EnsureInitializedAsync(cancellationToken);
        var updated = await RunAsync($"writing the I-am-alive time of {name} in cluster '{_clusterId}'", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(PostgresMembershipSql.UpdateIAmAlive, connection)
            {
                Parameters =
                {
                    ClusterParameter(),
                    new NpgsqlParameter<string>("node_name", name.Value),
                    new NpgsqlParameter<long>("creation", creation),
                    new NpgsqlParameter<DateTimeOffset>("i_am_alive_at", storedAt),
                },
            };
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
        if (updated == 0)
        {
            throw MembershipEntryRules.MissingRow(name, creation);
        }
    }

    /// <inheritdoc />
    public async Task<int> DeleteDefunctAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var cutoff = MembershipEntryRules.ToStoredTime(before);
        await EnsureInitializedAsync(cancellationToken);
        return await RunAsync($"deleting defunct rows of cluster '{_clusterId}'", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(PostgresMembershipSql.DeleteDefunct, connection)
            {
                Parameters =
                {
                    ClusterParameter(),
                    new NpgsqlParameter<short>("dead", (short)NodeStatus.Dead),
                    new NpgsqlParameter<DateTimeOffset>("before", cutoff),
                },
            };
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }

    /// <summary>Closes the table's connections.</summary>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>Runs an insert or update statement (see <see cref="PostgresMembershipSql.Insert"/>) in its own transaction; commits only when it wrote the row.</summary>
    private async Task<bool> WriteVersionedAsync(string sql, string verb, MembershipEntry entry, long expectedVersion, CancellationToken cancellationToken)
    {
        var stored = MembershipEntryRules.ToStored(entry);
        MembershipEntryRules.RequireVersion(expectedVersion);
        await EnsureInitializedAsync(cancellationToken);
        return await RunAsync($"{verb} the row of {stored.Name} in cluster '{_clusterId}'", async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var write = Command(sql,
                ClusterParameter(),
                new NpgsqlParameter<long>("expected_version", expectedVersion),
                new NpgsqlParameter<string>("node_name", stored.Name.Value),
                new NpgsqlParameter<long>("creation", stored.Creation),
                new NpgsqlParameter<string>("endpoint", stored.Endpoint),
                new NpgsqlParameter<short>("status", (short)stored.Status),
                new NpgsqlParameter<string>("suspect_votes", SuspectVoteJson.Write(stored.Votes)) { NpgsqlDbType = NpgsqlDbType.Jsonb },
                new NpgsqlParameter<DateTimeOffset>("started_at", stored.StartedAt),
                new NpgsqlParameter<DateTimeOffset>("i_am_alive_at", stored.IAmAliveAt));
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Command(PostgresMembershipSql.DurableCommit), write } };
            await batch.ExecuteNonQueryAsync(ct);
            if (write.RecordsAffected == 0)
            {
                // A stale version wrote nothing; a duplicate (insert) or missing row (update) may have moved the version: undo it.
                await transaction.RollbackAsync(ct);
                return false;
            }
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
    }

    /// <summary>Creates the schema on the first operation of an instance nobody initialized.</summary>
    private Task EnsureInitializedAsync(CancellationToken cancellationToken) =>
        _initialized ? Task.CompletedTask : InitializeAsync(cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled connection, turning a failure to reach the server into
    /// <see cref="MembershipUnavailableException"/> that says it happened while <paramref name="action"/>.
    /// </summary>
    private async Task<T> RunAsync<T>(string action, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            return await work(connection, cancellationToken);
        }
        catch (NpgsqlException error) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up (a connection attempt cut short can surface as a driver error): say so, as every other path does.
            throw new OperationCanceledException($"Cancelled while {action}.", error, cancellationToken);
        }
        catch (NpgsqlException error) when (PostgresUnavailability.Applies(error))
        {
            // The other idle connections went to the same server and are most likely dead too: drop them, so that the
            // next operation connects afresh instead of failing once more on a connection the server already closed.
            _dataSource.Clear();
            throw PostgresUnavailability.Describe(error, _settings, action);
        }
    }

    private MembershipEntry ReadEntry(NpgsqlDataReader reader)
    {
        var nameText = reader.GetString(1);
        var creation = reader.GetInt64(2);
        if (!NodeName.TryParse(nameText, out var name))
        {
            throw new InvalidDataException($"A membership row of cluster '{_clusterId}' has node name '{nameText}', which is not a node name.");
        }
        var status = reader.GetInt16(4);
        if (!MembershipEntryRules.IsKnownStatus(status))
        {
            throw new InvalidDataException($"The membership row of {name} (creation {creation}) in cluster '{_clusterId}' has status {status}, which is not a node status.");
        }
        return new MembershipEntry(
            name,
            creation,
            reader.GetString(3),
            (NodeStatus)status,
            SuspectVoteJson.Read(reader.GetString(5)),
            reader.GetFieldValue<DateTimeOffset>(6),
            reader.GetFieldValue<DateTimeOffset>(7));
    }

    private NpgsqlParameter<string> ClusterParameter() => new("cluster_id", _clusterId);

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}

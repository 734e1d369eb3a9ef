using System.Security.Cryptography;
using System.Text;
using Npgsql;
using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Runtime.Global;

/// <summary>
/// The global table of one cluster in PostgreSQL, beside its membership table (see <see cref="PostgresGlobalSql"/> for
/// the statements and their guarantees), with changes heard through LISTEN/NOTIFY.
/// </summary>
/// <remarks>
/// <para>Watching: one dedicated connection listens on the cluster's channel. After LISTEN succeeds, a snapshot is read
/// on another connection; notifications that arrived meanwhile are held back and replayed after the snapshot. Those
/// from before the snapshot then repeat what it already says, which the observer recognizes by claim numbers; those
/// after it carry on from it. A lost listening connection is opened again with backoff, followed by a new snapshot,
/// so a change missed while it was down is not missed for good.</para>
/// <para>Failures to reach the server throw <see cref="GlobalRegistryUnavailableException"/> with what happened and what
/// to do; when a write fails that way, whether it happened is unknown, and the notifications will tell.</para>
/// </remarks>
internal sealed partial class PostgresGlobalTable : IGlobalTable
{
    private const string Consequence = "global names and locks cannot be claimed or released now (lookups keep answering from this node's copy); nothing was changed";

    /// <summary>The most writes one batch carries (a transaction's locks and notifications grow with it).</summary>
    private const int MaxBatch = 256;

    /// <summary>How often a batch is tried again after PostgreSQL chose it as a deadlock's victim.</summary>
    private const int MaxDeadlockRetries = 5;

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _listenerSource;
    private readonly NpgsqlConnectionStringBuilder _settings;
    private readonly string _clusterId;
    private readonly string _channel;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly GlobalWriteQueue _writes;
    private readonly NodeName _node;
    private readonly long _creation;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private Task? _watching;
    private volatile bool _initialized;

    /// <summary>Opens (lazily) the global table of <paramref name="clusterId"/> in the database of <paramref name="connectionString"/>.</summary>
    public PostgresGlobalTable(string connectionString, string clusterId, NodeName node, long creation, ILogger logger)
    {
        _node = node;
        _creation = creation;
        _writes = new GlobalWriteQueue(ApplyAsync, MaxBatch);
        _settings = new NpgsqlConnectionStringBuilder(connectionString);
        // Writes keep their session between uses: resetting it on each return to the pool (DISCARD ALL) would throw away
        // the functions' cached plans and cost more than the claim itself. They leave no state behind, and the statements
        // are prepared on first reuse. The listener is the one connection with session state (LISTEN): it never pools.
        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true, MaxAutoPrepare = 8, AutoPrepareMinUsages = 2 });
        _listenerSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false });
        _clusterId = clusterId;
        _logger = logger;
        // A channel is an identifier of at most 63 bytes: name it by a hash of the cluster id, so any id fits.
        _channel = "processgrid_global_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clusterId)).AsSpan(0, 12));
    }

    /// <inheritdoc />
    public void Watch(IGlobalTableObserver observer) => _watching = Task.Run(() => WatchLoopAsync(observer, _stopping.Token));

    /// <inheritdoc />
    public Task<GlobalClaimOutcome> ClaimAsync(GlobalKind kind, string name, Pid pid, string? resolve, CancellationToken cancellationToken) =>
        _writes.Submit(new GlobalWrite(GlobalWriteOp.Claim, kind, name, pid.ToString(), resolve, null));

    /// <inheritdoc />
    public async Task<long?> ReplaceAsync(GlobalKind kind, string name, long expectedSeq, Pid pid, string? resolve, CancellationToken cancellationToken) =>
        await RunAsync($"handing {Describe(kind, name)} to {pid}", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(PostgresGlobalSql.Replace, connection);
            AddClaimant(command, kind, name, pid, resolve);
            command.Parameters.Add(new NpgsqlParameter<long>("expected_seq", expectedSeq));
            var result = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
            return result is long seq ? seq : (long?)null;
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<bool> ReleaseAsync(GlobalKind kind, string name, Pid? pid, long? expectedSeq, CancellationToken cancellationToken)
    {
        var outcome = await _writes.Submit(new GlobalWrite(GlobalWriteOp.Release, kind, name, pid?.ToString(), null, expectedSeq)).ConfigureAwait(false);
        return outcome.Status == GlobalClaimStatus.Granted;
    }

    /// <inheritdoc />
    public async Task ReleaseNodeAsync(NodeName node, long creation, CancellationToken cancellationToken) =>
        await RunAsync($"releasing the names and locks of {node} (creation {creation})", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(PostgresGlobalSql.ReleaseNode, connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<string>("cluster_id", _clusterId),
                    new NpgsqlParameter<string>("node_name", node.Value),
                    new NpgsqlParameter<long>("creation", creation),
                    new NpgsqlParameter<string>("channel", _channel),
                },
            };
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_watching is { } watching)
        {
            await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await _listenerSource.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Sends one batch of this node's claims and releases in one transaction: the answers, in the batch's order.</summary>
    private async Task<GlobalClaimOutcome[]> ApplyAsync(IReadOnlyList<GlobalWrite> batch)
    {
        var action = batch.Count == 1
            ? $"{(batch[0].Op == GlobalWriteOp.Claim ? "claiming" : "releasing")} {Describe(batch[0].Kind, batch[0].Name)}"
            : $"claiming and releasing {batch.Count} global names and locks";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Each statement runs in its own transaction, committed by the time its rows have been read to the end.
                return await RunAsync(action, (connection, ct) => batch.Count == 1 ? ApplyOneAsync(connection, batch[0], ct) : ApplyManyAsync(connection, batch, ct), _stopping.Token).ConfigureAwait(false);
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < MaxDeadlockRetries)
            {
                // Releasing a dead node's names deletes rows in an order of its own and can meet a batch the other way
                // round: PostgreSQL rolled one of them back, so nothing happened; again.
            }
        }
    }

    /// <summary>A lone write goes as a single claim or release: cheaper than a batch of one (no arrays to unpack and sort).</summary>
    private async Task<GlobalClaimOutcome[]> ApplyOneAsync(NpgsqlConnection connection, GlobalWrite write, CancellationToken ct)
    {
        if (write.Op == GlobalWriteOp.Release)
        {
            await using var release = new NpgsqlCommand(PostgresGlobalSql.Release, connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<string>("cluster_id", _clusterId),
                    new NpgsqlParameter<short>("kind", (short)write.Kind),
                    new NpgsqlParameter<string>("name", write.Name),
                    new NpgsqlParameter("pid", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)write.Pid ?? DBNull.Value },
                    new NpgsqlParameter("expected_seq", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = write.ExpectedSeq is { } seq ? seq : DBNull.Value },
                    new NpgsqlParameter<string>("channel", _channel),
                },
            };
            var released = await release.ExecuteScalarAsync(ct).ConfigureAwait(false) is true;
            return [new GlobalClaimOutcome(released ? GlobalClaimStatus.Granted : GlobalClaimStatus.Taken, null, 0, null)];
        }
        await using var claim = new NpgsqlCommand(PostgresGlobalSql.Claim, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<string>("cluster_id", _clusterId),
                new NpgsqlParameter<short>("kind", (short)write.Kind),
                new NpgsqlParameter<string>("name", write.Name),
                new NpgsqlParameter<string>("pid", write.Pid!),
                new NpgsqlParameter<string>("node_name", _node.Value),
                new NpgsqlParameter<long>("creation", _creation),
                new NpgsqlParameter("resolve", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)write.Resolve ?? DBNull.Value },
                new NpgsqlParameter<string>("channel", _channel),
            },
        };
        await using var reader = await claim.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        var outcome = ReadOutcome(reader, 0);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return [outcome];
    }

    private async Task<GlobalClaimOutcome[]> ApplyManyAsync(NpgsqlConnection connection, IReadOnlyList<GlobalWrite> batch, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(PostgresGlobalSql.Apply, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<string>("cluster_id", _clusterId),
                new NpgsqlParameter<string>("node_name", _node.Value),
                new NpgsqlParameter<long>("creation", _creation),
                new NpgsqlParameter<string>("channel", _channel),
                new NpgsqlParameter<short[]>("ops", [.. batch.Select(w => (short)w.Op)]),
                new NpgsqlParameter<short[]>("kinds", [.. batch.Select(w => (short)w.Kind)]),
                new NpgsqlParameter<string[]>("names", [.. batch.Select(w => w.Name)]),
                new NpgsqlParameter<string?[]>("pids", [.. batch.Select(w => w.Pid)]),
                new NpgsqlParameter<string?[]>("resolves", [.. batch.Select(w => w.Resolve)]),
                new NpgsqlParameter<long?[]>("expected", [.. batch.Select(w => w.ExpectedSeq)]),
            },
        };
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var answers = new GlobalClaimOutcome[batch.Count];
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            answers[reader.GetInt32(0) - 1] = ReadOutcome(reader, 1);
        }
        return answers;
    }

    /// <summary>Reads an outcome's four columns (status, holder pid, number, resolve) from column <paramref name="first"/> on.</summary>
    private static GlobalClaimOutcome ReadOutcome(NpgsqlDataReader reader, int first) => new(
        (GlobalClaimStatus)reader.GetInt16(first),
        reader.IsDBNull(first + 1) ? null : reader.GetString(first + 1),
        reader.GetInt64(first + 2),
        reader.IsDBNull(first + 3) ? null : reader.GetString(first + 3));

    private void AddClaimant(NpgsqlCommand command, GlobalKind kind, string name, Pid pid, string? resolve)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("cluster_id", _clusterId));
        command.Parameters.Add(new NpgsqlParameter<short>("kind", (short)kind));
        command.Parameters.Add(new NpgsqlParameter<string>("name", name));
        command.Parameters.Add(new NpgsqlParameter<string>("pid", pid.ToString()));
        command.Parameters.Add(new NpgsqlParameter<string>("node_name", pid.Node.Value));
        command.Parameters.Add(new NpgsqlParameter<long>("creation", pid.Creation));
        command.Parameters.Add(new NpgsqlParameter("resolve", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)resolve ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string>("channel", _channel));
    }

    private static string Describe(GlobalKind kind, string name) => kind == GlobalKind.Name ? $"global name '{name}'" : $"global lock '{name}'";

    // ------------------------------------------------------------------------------------------------------------
    // Watching
    // ------------------------------------------------------------------------------------------------------------

    private async Task WatchLoopAsync(IGlobalTableObserver observer, CancellationToken stopping)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(observer, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is NpgsqlException or GlobalRegistryUnavailableException or IOException or TimeoutException)
            {
                LogWatchLost(_logger, _clusterId, delay, error.Message);
            }
            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    private async Task ListenAsync(IGlobalTableObserver observer, CancellationToken stopping)
    {
        await EnsureSchemaAsync(stopping).ConfigureAwait(false);
        await using var connection = await _listenerSource.OpenConnectionAsync(stopping).ConfigureAwait(false);
        var held = new List<GlobalChange>();
        var live = false;
        connection.Notification += (_, e) =>
        {
            if (!TryParse(e.Payload, out var change))
            {
                LogBadNotification(_logger, e.Payload);
                return;
            }
            lock (held)
            {
                if (!live)
                {
                    held.Add(change);
                    return;
                }
            }
            observer.OnChange(change);
        };
        await using (var listen = new NpgsqlCommand($"LISTEN \"{_channel}\"", connection))
        {
            await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
        }

        // The listener is idle from here on, so notifications arrive as they are committed; the snapshot is read beside it.
        var waiting = WaitLoopAsync(connection, stopping);
        // If the snapshot fails, the connection is closed under the wait: that ending is expected, not news.
        _ = waiting.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        var snapshot = await ReadNamesAsync(stopping).ConfigureAwait(false);
        List<GlobalChange> replay;
        lock (held)
        {
            observer.OnSnapshot(snapshot);
            replay = [.. held];
            held.Clear();
        }
        foreach (var change in replay)
        {
            observer.OnChange(change);
        }
        lock (held)
        {
            // Anything held back while replaying goes out now, still in order, before live delivery begins.
            foreach (var change in held)
            {
                observer.OnChange(change);
            }
            held.Clear();
            live = true;
        }
        LogWatching(_logger, _clusterId, snapshot.Count);
        await waiting.ConfigureAwait(false);
    }

    private static async Task WaitLoopAsync(NpgsqlConnection connection, CancellationToken stopping)
    {
        while (true)
        {
            await connection.WaitAsync(stopping).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<GlobalChange>> ReadNamesAsync(CancellationToken cancellationToken) =>
        await RunAsync("reading the global names", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(PostgresGlobalSql.ReadNames, connection) { Parameters = { new NpgsqlParameter<string>("cluster_id", _clusterId) } };
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var names = new List<GlobalChange>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                names.Add(new GlobalChange(true, GlobalKind.Name, reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
            return (IReadOnlyList<GlobalChange>)names;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Parses a notification: <c>op kind seq pid resolve name</c> (see <see cref="PostgresGlobalSql.CreateSchema"/>).</summary>
    internal static bool TryParse(string payload, out GlobalChange change)
    {
        change = default;
        var parts = payload.Split(' ', 6);
        if (parts.Length != 6 || parts[0] is not ("c" or "r") || !short.TryParse(parts[1], out var kind) || !long.TryParse(parts[2], out var seq))
        {
            return false;
        }
        change = new GlobalChange(parts[0] == "c", (GlobalKind)kind, parts[5], parts[3], seq, parts[4] == "-" ? null : parts[4]);
        return true;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Schema and connections
    // ------------------------------------------------------------------------------------------------------------

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }
            await RunAsync("creating the global table", async (connection, ct) =>
            {
                await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (var lockSchema = new NpgsqlCommand(PostgresMembershipSql.LockSchema, connection, transaction))
                {
                    lockSchema.Parameters.Add(new NpgsqlParameter<long>("lock_key", PostgresMembershipSql.SchemaLockKey));
                    await lockSchema.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                await using (var create = new NpgsqlCommand(PostgresGlobalSql.CreateSchema, connection, transaction))
                {
                    await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return true;
            }, cancellationToken, ensureSchema: false).ConfigureAwait(false);
            _initialized = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private async Task<T> RunAsync<T>(string action, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken, bool ensureSchema = true)
    {
        if (ensureSchema)
        {
            await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException error) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"Cancelled while {action}.", error, cancellationToken);
        }
        catch (NpgsqlException error) when (PostgresUnavailability.Applies(error))
        {
            _dataSource.Clear();
            throw new GlobalRegistryUnavailableException(PostgresUnavailability.Explain(error, _settings, action, Consequence), error);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watching the global names of cluster '{ClusterId}' ({Count} held)")]
    private static partial void LogWatching(ILogger logger, string clusterId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the change notifications of the global names of cluster '{ClusterId}'; listening again in {Delay} (lookups answer from this node's copy meanwhile): {Reason}")]
    private static partial void LogWatchLost(ILogger logger, string clusterId, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ignored a global table notification that is not in the expected form: '{Payload}'")]
    private static partial void LogBadNotification(ILogger logger, string payload);
}

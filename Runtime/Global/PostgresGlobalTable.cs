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

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlConnectionStringBuilder _settings;
    private readonly string _clusterId;
    private readonly string _channel;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private Task? _watching;
    private volatile bool _initialized;

    /// <summary>Opens (lazily) the global table of <paramref name="clusterId"/> in the database of <paramref name="connectionString"/>.</summary>
    public PostgresGlobalTable(string connectionString, string clusterId, ILogger logger)
    {
        _settings = new NpgsqlConnectionStringBuilder(connectionString);
        _dataSource = NpgsqlDataSource.Create(_settings);
        _clusterId = clusterId;
        _logger = logger;
        // A channel is an identifier of at most 63 bytes: name it by a hash of the cluster id, so any id fits.
        _channel = "processgrid_global_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clusterId)).AsSpan(0, 12));
    }

    /// <inheritdoc />
    public void Watch(IGlobalTableObserver observer) => _watching = Task.Run(() => WatchLoopAsync(observer, _stopping.Token));

    /// <inheritdoc />
    public async Task<GlobalClaimOutcome> ClaimAsync(GlobalKind kind, string name, Pid pid, string? resolve, CancellationToken cancellationToken) =>
        await RunAsync($"claiming {Describe(kind, name)} for {pid}", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(PostgresGlobalSql.Claim, connection);
            AddClaimant(command, kind, name, pid, resolve);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return new GlobalClaimOutcome(
                (GlobalClaimStatus)reader.GetInt16(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetString(3));
        }, cancellationToken).ConfigureAwait(false);

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
    public async Task<bool> ReleaseAsync(GlobalKind kind, string name, Pid? pid, long? expectedSeq, CancellationToken cancellationToken) =>
        await RunAsync($"releasing {Describe(kind, name)}", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(PostgresGlobalSql.Release, connection)
            {
                Parameters =
                {
                    new NpgsqlParameter<string>("cluster_id", _clusterId),
                    new NpgsqlParameter<short>("kind", (short)kind),
                    new NpgsqlParameter<string>("name", name),
                    new NpgsqlParameter("pid", NpgsqlTypes.NpgsqlDbType.Text) { Value = pid is null ? DBNull.Value : pid.ToString() },
                    new NpgsqlParameter("expected_seq", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = expectedSeq is { } seq ? seq : DBNull.Value },
                    new NpgsqlParameter<string>("channel", _channel),
                },
            };
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is true;
        }, cancellationToken).ConfigureAwait(false);

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
        _stopping.Dispose();
    }

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
        await using var connection = await _dataSource.OpenConnectionAsync(stopping).ConfigureAwait(false);
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

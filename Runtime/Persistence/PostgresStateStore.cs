using Npgsql;
using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Runtime.Persistence;

/// <summary>
/// Persistent state in PostgreSQL (Orleans' ADO.NET grain storage design): one row per state, written only by
/// compare-and-swap on its version. The statements and what each guarantees are in <see cref="PostgresStateSql"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Schema: created on first use inside one transaction that holds the ProcessGrid schema lock, with
/// <c>IF NOT EXISTS</c>; any number of nodes may create it at once, and again.</item>
/// <item>A write is one statement in one round trip (insert for version 0, update otherwise), committed durably. When
/// it writes no row the stored version moved: the record is read to say what the store holds, and nothing was
/// written.</item>
/// <item>Unreachable server: <see cref="StateUnavailableException"/>, saying whether the operation could have
/// happened (not if the connection could not even be opened; perhaps if it failed after the statement was sent), and
/// the connection pool is cleared so that the next operation after the server is back uses a new connection. A read
/// that fails on a connection the server had closed is tried once more on a new one: reads change nothing.</item>
/// <item>Any other database error (a table changed by hand) is left as it is: retrying would not help, and calling it
/// unavailability would hide it.</item>
/// </list>
/// </remarks>
internal sealed class PostgresStateStore : IStateStore, IDisposable, IAsyncDisposable
{
    /// <summary>What a failed read means, the same in every message.</summary>
    private const string NothingRead = "the state was not read";

    /// <summary>What a failure to create the table means for the operation that needed it.</summary>
    private const string NothingDone = "the state was neither read nor written";

    /// <summary>What a write that failed before anything was sent means.</summary>
    private const string NothingWritten = "nothing was written";

    /// <summary>What a write that failed after its statement was sent means.</summary>
    private const string MaybeWritten =
        "whether the write happened is unknown; this activation still holds the version it had, so if it did, its next write is refused as a " +
        "conflict (read the state again, or let the process exit, before retrying)";

    /// <summary>The pool of connections to the database (with durable commits); owned and disposed by this store.</summary>
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>The connection string as given, for messages (address, database, user; never the password).</summary>
    private readonly NpgsqlConnectionStringBuilder _settings;

    /// <summary>The cluster whose records this store reads and writes.</summary>
    private readonly string _clusterId;

    /// <summary>This node, recorded as the writer of each version.</summary>
    private readonly string _node;

    /// <summary>Set once the table is known to exist, so that later operations skip creating it.</summary>
    private volatile bool _initialized;

    /// <summary>Opens (lazily: nothing connects until the first operation) the store of <paramref name="clusterId"/>.</summary>
    /// <exception cref="ArgumentException">The connection string cannot be parsed.</exception>
    public PostgresStateStore(string connectionString, string clusterId, NodeName node)
    {
        _settings = new NpgsqlConnectionStringBuilder(connectionString);
        var durable = new NpgsqlConnectionStringBuilder(connectionString);
        durable.Options = string.IsNullOrWhiteSpace(durable.Options)
            ? PostgresStateSql.DurableCommitOption
            : $"{durable.Options} {PostgresStateSql.DurableCommitOption}";
        _dataSource = NpgsqlDataSource.Create(durable);
        _clusterId = clusterId;
        _node = node.Value;
    }

    /// <inheritdoc />
    public string Description => $"PostgreSQL at {_settings.Host}:{_settings.Port} (database '{_settings.Database}')";

    /// <summary>Creates the state table if it does not exist (also done by the first operation).</summary>
    /// <param name="id">The state whose operation needs the table, for the error message.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="StateUnavailableException">The server could not be reached.</exception>
    public async Task InitializeAsync(StateId id, CancellationToken cancellationToken)
    {
        await RunAsync(id, "creating the table processgrid_state", NothingDone, NothingDone, retry: true, async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    Command(PostgresStateSql.LockSchema, new NpgsqlParameter<long>("lock_key", PostgresStateSql.SchemaLockKey)),
                    Command(PostgresStateSql.CreateTable),
                },
            };
            await batch.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
        _initialized = true;
    }

    /// <inheritdoc />
    public async ValueTask<StoredState?> ReadAsync(StateId id, CancellationToken cancellationToken)
    {
        RequireStorableKey(id);
        await EnsureInitializedAsync(id, cancellationToken);
        return await RunAsync(id, $"reading {id}", NothingRead, NothingRead, retry: true, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(PostgresStateSql.Read, connection);
            AddIdentity(command.Parameters, id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            return new StoredState(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<StateWriteResult> WriteAsync(StateId id, long expectedVersion, string? payload, string stateType, CancellationToken cancellationToken)
    {
        RequireStorableKey(id);
        await EnsureInitializedAsync(id, cancellationToken);
        var action = $"{(payload is null ? "clearing" : "writing")} {id} (version {expectedVersion} held)";
        var written = await RunAsync(id, action, NothingWritten, MaybeWritten, retry: false, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(expectedVersion == 0 ? PostgresStateSql.Insert : PostgresStateSql.Update, connection);
            AddIdentity(command.Parameters, id);
            command.Parameters.Add(new NpgsqlParameter<string?>("payload", payload) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string>("state_type", stateType));
            command.Parameters.Add(new NpgsqlParameter<string>("written_by", _node));
            if (expectedVersion != 0)
            {
                command.Parameters.Add(new NpgsqlParameter<long>("expected_version", expectedVersion));
            }
            return await command.ExecuteScalarAsync(ct) as long?;
        }, cancellationToken);
        return written is { } version
            ? StateWriteResult.WrittenAt(version)
            : StateWriteResult.Refused(await ReadAsync(id, cancellationToken)); // Only for the message: what the store holds instead.
    }

    /// <summary>Closes the store's connections.</summary>
    public void Dispose() => _dataSource.Dispose();

    /// <summary>Closes the store's connections.</summary>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private Task EnsureInitializedAsync(StateId id, CancellationToken cancellationToken) =>
        _initialized ? Task.CompletedTask : InitializeAsync(id, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled connection, turning a failure to reach the server into
    /// <see cref="StateUnavailableException"/>: with <paramref name="unsent"/> as its consequence when no connection could be
    /// opened, <paramref name="sent"/> when it failed afterwards.
    /// </summary>
    private async Task<T> RunAsync<T>(
        StateId id, string action, string unsent, string sent, bool retry, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            NpgsqlConnection connection;
            try
            {
                connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            }
            catch (NpgsqlException error) when (!cancellationToken.IsCancellationRequested && PostgresUnavailability.Applies(error))
            {
                _dataSource.Clear();
                throw Unavailable(id, error, action, unsent);
            }
            catch (NpgsqlException error) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"Cancelled while {action}.", error, cancellationToken);
            }
            try
            {
                return await work(connection, cancellationToken);
            }
            catch (NpgsqlException error) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"Cancelled while {action}.", error, cancellationToken);
            }
            catch (NpgsqlException error) when (PostgresUnavailability.Applies(error))
            {
                // The pool's other idle connections went to the same server and are most likely dead too: drop them, so that
                // the next operation connects afresh instead of failing once more on a connection the server already closed.
                _dataSource.Clear();
                if (retry && attempt == 1)
                {
                    continue;
                }
                throw Unavailable(id, error, action, sent);
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }

    private StateUnavailableException Unavailable(StateId id, NpgsqlException error, string action, string consequence) =>
        new(id.Process, id.Name, PostgresUnavailability.Explain(error, _settings, action, consequence), error);

    private void AddIdentity(NpgsqlParameterCollection parameters, StateId id)
    {
        parameters.Add(new NpgsqlParameter<string>("cluster_id", _clusterId));
        parameters.Add(new NpgsqlParameter<string>("kind", id.Kind));
        parameters.Add(new NpgsqlParameter<string>("process_key", id.Key));
        parameters.Add(new NpgsqlParameter<string>("state_name", id.Name));
    }

    /// <summary>PostgreSQL text cannot hold the NUL character, which a key may: say so rather than fail with an encoding error.</summary>
    private static void RequireStorableKey(StateId id)
    {
        if (id.Key.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"{id} cannot be kept in PostgreSQL: its key holds a NUL character, which PostgreSQL text cannot store. Use keys without NUL characters.");
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}

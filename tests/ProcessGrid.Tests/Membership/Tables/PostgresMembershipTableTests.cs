using ProcessGrid.Tests.Infrastructure;
using Npgsql;
using ProcessGrid.Runtime.Membership;
using static ProcessGrid.Tests.Membership.Tables.MembershipRows;

namespace ProcessGrid.Tests.Membership.Tables;

/// <summary>
/// The membership table contract, against PostgreSQL: each test has a fresh database, and every table it opens is a
/// separate instance with its own connections, as separate nodes would have. Also: the rows really are in the database,
/// in plain columns an operator can query.
/// </summary>
public sealed class PostgresMembershipTableTests(PostgresServerFixture fixture) : MembershipTableContract, IClassFixture<PostgresServerFixture>
{
    private readonly List<PostgresMembershipTable> _opened = [];
    private string? _database;

    private string Database => _database ?? throw new InvalidOperationException("The test's database is created in InitializeAsync.");

    /// <inheritdoc />
    public override async ValueTask InitializeAsync() => _database = await fixture.Server.CreateDatabaseAsync();

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        foreach (var table in _opened)
        {
            await table.DisposeAsync();
        }
    }

    private protected override IMembershipTable OpenTable(string clusterId)
    {
        var table = new PostgresMembershipTable(Database, clusterId);
        lock (_opened)
        {
            _opened.Add(table);
        }
        return table;
    }

    [Fact]
    public async Task The_rows_are_in_the_database_in_plain_columns()
    {
        var table = OpenTable("prod");
        var row = Row("alpha", creation: 3_000_000_000, status: NodeStatus.Active,
            votes: [new SuspectVote(Node("beta"), 2, T0), new SuspectVote(Node("gamma"), 3, T0.AddSeconds(1))]);
        await table.InitializeAsync(Cancel);
        Assert.True(await table.InsertAsync(row, 0, Cancel));
        Assert.False(await table.InsertAsync(Row("stale"), 0, Cancel));

        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync(Cancel);
        await using (var version = new NpgsqlCommand("SELECT cluster_id, version FROM processgrid_membership_version", connection))
        await using (var reader = await version.ExecuteReaderAsync(Cancel))
        {
            Assert.True(await reader.ReadAsync(Cancel));
            Assert.Equal(("prod", 1L), (reader.GetString(0), reader.GetInt64(1)));
            Assert.False(await reader.ReadAsync(Cancel));
        }
        const string rows = """
            SELECT cluster_id, node_name, creation, endpoint, status, jsonb_array_length(suspect_votes),
                   suspect_votes -> 1 ->> 'voter', (suspect_votes -> 1 ->> 'creation')::bigint, started_at, i_am_alive_at
            FROM processgrid_membership
            """;
        await using (var command = new NpgsqlCommand(rows, connection))
        await using (var reader = await command.ExecuteReaderAsync(Cancel))
        {
            Assert.True(await reader.ReadAsync(Cancel));
            Assert.Equal("prod", reader.GetString(0));
            Assert.Equal("alpha@127.0.0.1", reader.GetString(1));
            Assert.Equal(3_000_000_000L, reader.GetInt64(2));
            Assert.Equal(row.Endpoint, reader.GetString(3));
            Assert.Equal((short)3, reader.GetInt16(4));
            Assert.Equal(2, reader.GetInt32(5));
            Assert.Equal("gamma@127.0.0.1", reader.GetString(6));
            Assert.Equal(3L, reader.GetInt64(7));
            Assert.Equal(Microseconds(T0), reader.GetFieldValue<DateTimeOffset>(8));
            Assert.Equal(Microseconds(T0), reader.GetFieldValue<DateTimeOffset>(9));
            Assert.False(await reader.ReadAsync(Cancel)); // the stale insert left nothing behind
        }
    }
}

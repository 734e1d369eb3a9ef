using Npgsql;
using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Tests.Chaos;

/// <summary>
/// A cluster whose membership lives in a real PostgreSQL: the rows it writes as nodes join, leave and die, and what
/// happens when the database goes away under running nodes and comes back.
/// </summary>
public sealed class PostgresMembershipClusterTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(30);

    public sealed class Adder : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new((int)request + 1);
    }

    [Fact]
    public async Task The_table_holds_a_row_per_node_that_turns_active_on_join_and_dead_on_leave_and_on_death()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(2, database);
        var versionAfterJoin = await VersionAsync(database, cluster.ClusterId);

        Assert.Equal([("n1@localhost", NodeStatus.Active), ("n2@localhost", NodeStatus.Active)], await RowsAsync(database, cluster.ClusterId));

        await cluster[1].StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal([("n1@localhost", NodeStatus.Active), ("n2@localhost", NodeStatus.Dead)], await RowsAsync(database, cluster.ClusterId));

        await using var silo = await cluster.StartSiloAsync("s");
        await TestNode.Eventually(() => cluster[0].Nodes.Contains(NodeName.Parse("s@localhost")), "the silo to connect", Liveness);
        silo.Kill();

        await TestNode.EventuallyAsync(
            async () => (await RowsAsync(database, cluster.ClusterId)).Contains(("s@localhost", NodeStatus.Dead)),
            "the killed silo's row to be dead", Liveness);
        Assert.True(await VersionAsync(database, cluster.ClusterId) > versionAfterJoin, "Every status change increments the table version.");
    }

    [Fact]
    public async Task With_the_database_down_nodes_keep_serving_nobody_is_declared_dead_and_joins_wait_until_it_is_back()
    {
        var server = postgres.Server;
        var database = await server.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(2, database);
        var adder = await cluster[1].StartAsync<Adder>();
        await using var silo = await cluster.StartSiloAsync("s");
        await TestNode.Eventually(() => cluster[0].Nodes.Count == 2, "the silo to connect", Liveness);
        var events = Probe.WatchNodes(cluster[0]);

        await server.StopServerAsync();
        try
        {
            // Running nodes keep serving messages and calls between them.
            Assert.Equal(42, await cluster[0].Call<int>(adder, 41));

            // A node dies: its connections close (links and monitors fire), but it cannot be declared dead, and the log says why.
            silo.Kill();
            Assert.Equal(NodeDownReason.ConnectionLost, (await events.Expect<NodeDown>(d => d.Node.Name == "s", Liveness)).Reason);
            await cluster.Log.WaitFor("The membership table is unavailable", Liveness);

            // A node that wants to join waits.
            var joining = cluster.AddNodeAsync("late");
            await TestNode.Eventually(() => cluster.Log.Lines.Count(l => l.Contains("waiting to create the membership table") || l.Contains("waiting to write")) > 0,
                "the joining node to report that it waits for the table", Liveness);
            Assert.False(joining.IsCompleted);
            Assert.Equal(42, await cluster[1].Call<int>(adder, 41));

            await server.StartServerAsync();

            var late = await joining.Within("the late node to join once the database is back", Liveness);
            await TestNode.EventuallyAsync(
                async () => (await RowsAsync(database, cluster.ClusterId)).Contains(("s@localhost", NodeStatus.Dead)),
                "the dead silo to be declared dead once the database is back", Liveness);
            await cluster.Log.WaitFor("The membership table is reachable again", Liveness);
            Assert.Contains(late.Node, cluster[0].Membership!.ActiveNodes.Concat(await ActiveAsync(database, cluster.ClusterId)));
        }
        finally
        {
            await server.StartServerIfStoppedAsync();
        }
    }

    private static async Task<List<(string Name, NodeStatus Status)>> RowsAsync(string database, string clusterId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT node_name, status FROM processgrid_membership WHERE cluster_id = $1 ORDER BY node_name, creation", connection);
        command.Parameters.AddWithValue(clusterId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<(string, NodeStatus)>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add((reader.GetString(0), (NodeStatus)reader.GetInt16(1)));
        }
        return rows;
    }

    private static async Task<IEnumerable<NodeName>> ActiveAsync(string database, string clusterId) =>
        (await RowsAsync(database, clusterId)).Where(r => r.Status == NodeStatus.Active).Select(r => NodeName.Parse(r.Name));

    private static async Task<long> VersionAsync(string database, string clusterId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT version FROM processgrid_membership_version WHERE cluster_id = $1", connection);
        command.Parameters.AddWithValue(clusterId);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}

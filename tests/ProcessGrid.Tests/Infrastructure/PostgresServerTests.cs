using Npgsql;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>The test database fixture itself: it must give a real server that can be stopped and started under a test.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task Gives_a_real_server_with_fresh_databases_that_can_be_stopped_and_started()
    {
        await using var server = await PostgresServer.StartAsync();
        var database = await server.CreateDatabaseAsync();
        Assert.Equal(1, await ScalarAsync(database, "SELECT 1"));
        await server.StopServerAsync();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(database, "SELECT 1"));

        await server.StartServerAsync();
        Assert.Equal(1, await ScalarAsync(database, "SELECT 1"));
    }

    private static async Task<int> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}

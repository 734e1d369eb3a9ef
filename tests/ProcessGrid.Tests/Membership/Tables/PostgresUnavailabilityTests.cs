using ProcessGrid.Tests.Infrastructure;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using ProcessGrid.Runtime.Membership;
using static ProcessGrid.Tests.Membership.Tables.MembershipRows;

namespace ProcessGrid.Tests.Membership.Tables;

/// <summary>
/// PostgreSQL out of reach: every operation fails promptly with <see cref="MembershipUnavailableException"/> saying
/// where and what happened (never a success that did not happen, never the password), and works again once the server
/// is back. These tests stop their own server, so they have one to themselves.
/// </summary>
public sealed class PostgresUnavailabilityTests(PostgresServerFixture fixture) : IClassFixture<PostgresServerFixture>
{
    /// <summary>A password the messages must not show (the test server trusts every local connection and ignores it).</summary>
    private const string Password = "pw-7f3a9c-must-not-leak";

    /// <summary>A generous bound for "promptly": a refused connection fails at once, a silent one after the 2 s connect timeout set below.</summary>
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(10);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string WithShortTimeouts(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Password = Password, Timeout = 2, CommandTimeout = 5 }.ConnectionString;

    [Fact]
    public async Task With_the_server_stopped_every_operation_fails_promptly_as_unavailable_and_works_again_once_it_is_back()
    {
        var server = fixture.Server;
        var connectionString = WithShortTimeouts(await server.CreateDatabaseAsync());
        await using var table = new PostgresMembershipTable(connectionString, "c");
        await using var neverUsed = new PostgresMembershipTable(connectionString, "c");
        var row = Row("a");
        await table.InitializeAsync(Cancel);
        Assert.True(await table.InsertAsync(row, 0, Cancel));

        await server.StopServerAsync();
        try
        {
            (string Name, Func<Task> Run)[] operations =
            [
                ("read", () => table.ReadAllAsync(Cancel)),
                ("insert", () => table.InsertAsync(Row("b"), 1, Cancel)),
                ("update", () => table.UpdateAsync(row with { Status = NodeStatus.Active }, 1, Cancel)),
                ("I-am-alive", () => table.UpdateIAmAliveAsync(row.Name, row.Creation, T0.AddSeconds(1), Cancel)),
                ("delete defunct", () => table.DeleteDefunctAsync(T0, Cancel)),
                ("initialize", () => table.InitializeAsync(Cancel)),
                ("first use of a table", () => neverUsed.ReadAllAsync(Cancel)),
            ];
            foreach (var (name, run) in operations)
            {
                var clock = Stopwatch.StartNew();
                var error = await Assert.ThrowsAsync<MembershipUnavailableException>(run);
                Assert.True(clock.Elapsed < Promptly, $"{name} took {clock.Elapsed} to fail.");
                Assert.Contains($"PostgreSQL at 127.0.0.1:{server.Port}", error.Message);
                Assert.Contains("membership cannot be read or written", error.Message);
                Assert.DoesNotContain(Password, error.Message);
            }
            // A table with no connections left from before the outage meets a closed port.
            var refused = await Assert.ThrowsAsync<MembershipUnavailableException>(() => neverUsed.InitializeAsync(Cancel));
            Assert.Contains("is unreachable (connection refused)", refused.Message);
        }
        finally
        {
            await server.StartServerAsync();
        }

        // Back: the first operation of each table works (no connection from before the outage is reused), and nothing
        // the failed writes attempted was written.
        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(1, read.Version);
        AssertStoredAs(row, Assert.Single(read.Entries));
        Assert.Equal(1, (await neverUsed.ReadAllAsync(Cancel)).Version);
        Assert.True(await table.UpdateAsync(row with { Status = NodeStatus.Active }, 1, Cancel));
        Assert.True(await neverUsed.InsertAsync(Row("b"), 2, Cancel));
        await table.UpdateIAmAliveAsync(row.Name, row.Creation, T0.AddSeconds(1), Cancel);
        Assert.Equal(0, await table.DeleteDefunctAsync(T0.AddYears(1), Cancel));
        Assert.Equal(3, (await table.ReadAllAsync(Cancel)).Version);
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_reported_as_unavailable_with_what_to_do()
    {
        var missing = new NpgsqlConnectionStringBuilder(WithShortTimeouts(fixture.Server.ConnectionString)) { Database = "no_such_membership_db" };
        await using var table = new PostgresMembershipTable(missing.ConnectionString, "c");

        var error = await Assert.ThrowsAsync<MembershipUnavailableException>(() => table.ReadAllAsync(Cancel));

        Assert.Contains("(database 'no_such_membership_db') has no such database", error.Message);
        Assert.Contains("Create the database", error.Message);
        Assert.DoesNotContain(Password, error.Message);
    }

    [Fact]
    public async Task A_server_that_accepts_but_never_answers_is_reported_as_a_timeout()
    {
        // A port that completes TCP connections (the kernel does, from the backlog) but never speaks PostgreSQL.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var connectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Password = Password, Timeout = 1 };
        await using var table = new PostgresMembershipTable(connectionString.ConnectionString, "c");

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<MembershipUnavailableException>(() => table.InitializeAsync(Cancel));

        Assert.True(clock.Elapsed < Promptly, $"The timeout took {clock.Elapsed}.");
        Assert.Contains($"PostgreSQL at 127.0.0.1:{port}", error.Message);
        Assert.Contains("did not answer in time (Timeout=1 s to connect", error.Message);
        Assert.DoesNotContain(Password, error.Message);
    }

    [Fact]
    public async Task A_user_the_server_refuses_is_reported_as_an_authentication_failure()
    {
        // The test server trusts local connections, but still refuses a role that does not exist (SQLSTATE 28000).
        var stranger = new NpgsqlConnectionStringBuilder(WithShortTimeouts(fixture.Server.ConnectionString)) { Username = "no_such_role" };
        await using var table = new PostgresMembershipTable(stranger.ConnectionString, "c");

        var error = await Assert.ThrowsAsync<MembershipUnavailableException>(() => table.ReadAllAsync(Cancel));

        Assert.Contains("refused user 'no_such_role' (authentication failed)", error.Message);
        Assert.Contains("Check Username and Password", error.Message);
        Assert.DoesNotContain(Password, error.Message);
    }
}

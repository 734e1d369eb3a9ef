using System.Text.Json;
using ProcessGrid.Runtime.Hosting;
using ProcessGrid.Runtime.Persistence;

namespace ProcessGrid.Tests.Persistence;

/// <summary>
/// Persistent state in a real PostgreSQL: loaded before the process initializes, written when it asks, read back by
/// later activations and by other nodes, cleared, refused to a stale activation, and reported clearly when the
/// database is down, without taking the node down.
/// </summary>
public sealed class PostgresStateTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    /// <summary>A node on its own whose state lives in <paramref name="database"/>.</summary>
    private static ProcessNode StartNode(string database, string name, Action<ProcessGridOptions>? configure = null, CapturedLog? log = null)
    {
        var options = new ProcessGridOptions { NodeName = $"{name}@localhost" };
        options.Persistence.Database = database;
        configure?.Invoke(options);
        return ProcessNode.Start(options, loggerFactory: TestLogging.Factory(log));
    }

    [Fact]
    public async Task A_state_written_on_one_node_is_in_the_table_and_is_loaded_before_the_next_activation_initializes()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        var log = new CapturedLog();
        await using (var first = StartNode(database, "first", log: log))
        {
            var tally = first.Virtual<Tally>("k");
            Assert.Equal((0L, 0L, false), ((await first.Call<TallyView>(tally, new Tally.SeenAtInit())) is var fresh ? (fresh.Count, fresh.Version, fresh.RecordExists) : default));
            await first.Call<TallyView>(tally, new Tally.Add(2, "two"));
            var written = await first.Call<TallyView>(tally, new Tally.Add(3, "three"));
            Assert.Equal((5L, 2L, true), (written.Count, written.Version, written.RecordExists));
            Assert.Contains("kept in PostgreSQL at 127.0.0.1", await log.WaitFor("Persistent state of virtual processes on first@localhost"));
        }

        var row = await StateRows.OneAsync(database, "persistence-tally", "k");
        Assert.Equal(("default", 2L, "first@localhost"), (row.ClusterId, row.Version, row.WrittenBy));
        using (var json = JsonDocument.Parse(row.Payload!))
        {
            Assert.Equal(5, json.RootElement.GetProperty("Count").GetInt64());
            Assert.Equal(["two", "three"], json.RootElement.GetProperty("Notes").EnumerateArray().Select(e => e.GetString()));
        }
        Assert.Contains("TallyState", row.StateType);

        await using var second = StartNode(database, "second");
        var loaded = await second.Call<TallyView>(second.Virtual<Tally>("k"), new Tally.SeenAtInit());
        Assert.Equal((5L, 2L, true), (loaded.Count, loaded.Version, loaded.RecordExists));
        Assert.Equal(["two", "three"], loaded.Notes);
    }

    [Fact]
    public async Task State_reads_back_after_deactivation_and_reactivation()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var node = StartNode(database, "n", o =>
        {
            o.VirtualProcessIdleTimeout = TimeSpan.FromMilliseconds(100);
            o.VirtualProcessCollectionQuantum = TimeSpan.FromMilliseconds(50);
        });
        var tally = node.Virtual<Tally>("k");
        await node.Call<TallyView>(tally, new Tally.Add(7, "seven"));
        await TestNode.Eventually(() => !node.Processes().Contains(tally), "the idle activation to be deactivated");

        var reactivated = await node.Call<TallyView>(tally, new Tally.SeenAtInit());

        Assert.Equal((7L, 1L, true), (reactivated.Count, reactivated.Version, reactivated.RecordExists));
        Assert.Equal(8, (await node.Call<TallyView>(tally, new Tally.Add(1))).Count);
        Assert.Equal(2, (await StateRows.OneAsync(database, "persistence-tally", "k")).Version);
    }

    [Fact]
    public async Task A_clear_keeps_the_record_with_no_payload_and_its_version_moving_so_reactivations_see_it_cleared()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var node = StartNode(database, "n");
        var tally = node.Virtual<Tally>("k");
        await node.Call<TallyView>(tally, new Tally.Add(4, "four"));

        var cleared = await node.Call<TallyView>(tally, new Tally.Reset());

        Assert.Equal((0L, 2L, false), (cleared.Count, cleared.Version, cleared.RecordExists));
        Assert.Empty(cleared.Notes);
        var row = await StateRows.OneAsync(database, "persistence-tally", "k");
        Assert.Equal((2L, null), (row.Version, row.Payload));

        await using var other = StartNode(database, "other");
        var elsewhere = await other.Call<TallyView>(other.Virtual<Tally>("k"), new Tally.SeenAtInit());
        Assert.Equal((0L, 2L, false), (elsewhere.Count, elsewhere.Version, elsewhere.RecordExists));
        Assert.Equal(3, (await other.Call<TallyView>(other.Virtual<Tally>("k"), new Tally.Add(1))).Version);
    }

    [Fact]
    public async Task Of_two_activations_of_one_key_on_two_nodes_the_stale_writer_is_refused_with_the_versions_and_nothing_is_overwritten()
    {
        // Two nodes that each believe they own the key, as after a partition where the old owner has not yet learned
        // that the cluster declared it dead: each activates the key and holds its own copy.
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var a = StartNode(database, "a");
        await using var b = StartNode(database, "b");
        var onA = a.Virtual<Tally>("contested");
        var onB = b.Virtual<Tally>("contested");
        Assert.Equal(1, (await a.Call<TallyView>(onA, new Tally.Add(1, "from a"))).Version);
        Assert.Equal((11L, 2L), (await b.Call<TallyView>(onB, new Tally.Add(10, "from b"))) is var byB ? (byB.Count, byB.Version) : default);

        var refused = await Assert.ThrowsAsync<CallException>(async () => await a.Call<TallyView>(onA, new Tally.Add(100, "stale")));

        Assert.Equal(typeof(StateConflictException).FullName, refused.Reason.ExceptionType);
        var message = refused.Reason.Detail!;
        Assert.Contains("The state 'state' of <persistence-tally/contested> was not written", message);
        Assert.Contains("this activation holds version 1, but the store has version 2, written by b@localhost", message);
        Assert.Contains("nothing was overwritten", message);
        var conflict = Assert.IsType<StateConflictException>(refused.Reason.Exception);
        Assert.Equal((1L, 2L, "b@localhost"), (conflict.HeldVersion, conflict.StoredVersion, conflict.WrittenBy));

        var row = await StateRows.OneAsync(database, "persistence-tally", "contested");
        Assert.Equal((2L, "b@localhost"), (row.Version, row.WrittenBy));
        Assert.Contains("\"Count\":11", row.Payload);
        // The refused activation ended; the key's next activation on a loads what b wrote.
        var reloaded = await a.Call<TallyView>(onA, new Tally.SeenAtInit());
        Assert.Equal((11L, 2L), (reloaded.Count, reloaded.Version));
        Assert.Equal(["from a", "from b"], reloaded.Notes);
    }

    [Fact]
    public async Task Of_many_writers_holding_the_same_version_exactly_one_succeeds()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var store = new PostgresStateStore(database, "race", NodeName.Parse("w@localhost"));
        var id = new StateId("kind", "key", "state");
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(1, (await store.WriteAsync(id, 0, "0", "t", ct)).Version);

        var first = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.WriteAsync(id, 0, $"\"insert {i}\"", "t", ct).AsTask()));
        var second = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.WriteAsync(id, 1, $"\"update {i}\"", "t", ct).AsTask()));

        Assert.All(first, result => Assert.False(result.Written));
        var winner = Assert.Single(second, result => result.Written);
        Assert.Equal(2, winner.Version);
        Assert.All(second.Where(r => !r.Written), loser => Assert.Equal(2, loser.Stored!.Version));
        Assert.Equal(2, (await store.ReadAsync(id, ct))!.Version);
    }

    [Fact]
    public async Task The_table_is_created_on_first_use_by_many_nodes_at_once_and_creating_it_again_is_harmless()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        var ct = TestContext.Current.CancellationToken;
        var stores = Enumerable.Range(0, 6).Select(i => new PostgresStateStore(database, "schema", NodeName.Parse($"n{i}@localhost"))).ToList();
        try
        {
            // Every store's first operation creates the table, all at once, each for its own key.
            var writes = await Task.WhenAll(stores.Select((store, i) => store.WriteAsync(new StateId("kind", $"k{i}", "state"), 0, "1", "t", ct).AsTask()));
            Assert.All(writes, w => Assert.True(w.Written));

            await stores[0].InitializeAsync(new StateId("kind", "k0", "state"), ct);
            await using var late = new PostgresStateStore(database, "schema", NodeName.Parse("late@localhost"));
            Assert.Equal(1, (await late.ReadAsync(new StateId("kind", "k3", "state"), ct))!.Version);
            Assert.Equal(6, (await StateRows.AllAsync(database)).Count);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Clusters_sharing_a_database_do_not_see_each_others_state()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var red = StartNode(database, "red", o => o.Cluster.ClusterId = "red");
        await using var blue = StartNode(database, "blue", o => o.Cluster.ClusterId = "blue");

        await red.Call<TallyView>(red.Virtual<Tally>("k"), new Tally.Add(5));

        Assert.False((await blue.Call<TallyView>(blue.Virtual<Tally>("k"), new Tally.Get())).RecordExists);
        Assert.Equal(["red"], (await StateRows.AllAsync(database)).Select(r => r.ClusterId));
    }

    [Fact]
    public async Task A_stored_state_that_does_not_fit_its_type_fails_the_activation_with_a_message_that_names_it()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var node = StartNode(database, "n");
        var tally = node.Virtual<Tally>("k");
        await node.Call<TallyView>(tally, new Tally.Add(1));
        await StateRows.ExecuteAsync(database, "UPDATE processgrid_state SET payload = '{\"Count\": \"many\"}'");

        var error = await Assert.ThrowsAsync<CallException>(async () => await node.Call<TallyView>(tally, new Tally.Reread()));

        Assert.Equal(typeof(InvalidDataException).FullName, error.Reason.ExceptionType);
        Assert.Contains("the state 'state' of <persistence-tally/k> (version 1) cannot be read as a ProcessGrid.Tests.Persistence.TallyState", error.Reason.Detail);
        // A new activation fails to start for the same reason, and says so to the caller.
        var again = await Assert.ThrowsAsync<CallException>(async () => await node.Call<TallyView>(tally, new Tally.Get()));
        Assert.Contains("cannot be read as a ProcessGrid.Tests.Persistence.TallyState", again.Reason.Detail);
    }

    [Fact]
    public async Task With_the_database_down_writes_and_first_loads_fail_with_a_clear_reason_the_node_keeps_serving_and_all_works_once_it_is_back()
    {
        var server = postgres.Server;
        var database = await server.CreateDatabaseAsync();
        await using var node = StartNode(database, "n");
        var cached = node.Virtual<Tally>("cached");
        await node.Call<TallyView>(cached, new Tally.Add(1, "before"));
        var echo = node.Spawn(async ctx =>
        {
            while (true)
            {
                var (from, text) = await ctx.Receive<(Pid, string)>();
                from.Send(text);
            }
        });

        await server.StopServerAsync();
        try
        {
            // A write of a running activation fails; the message says where, what happened, and that nothing was stored.
            var write = await Assert.ThrowsAsync<CallException>(async () => await node.Call<TallyView>(cached, new Tally.Add(1, "during")));
            Assert.Equal(typeof(StateUnavailableException).FullName, write.Reason.ExceptionType);
            Assert.Contains($"PostgreSQL at 127.0.0.1:{server.Port}", write.Reason.Detail);
            Assert.Contains("writing the state 'state' of <persistence-tally/cached> (version 1 held)", write.Reason.Detail);
            Assert.Matches("nothing was written|whether the write happened is unknown", write.Reason.Detail);

            // A key activated now cannot load its state: the activation does not start, and the call says why.
            var load = await Assert.ThrowsAsync<CallException>(async () => await node.Call<TallyView>(node.Virtual<Tally>("new"), new Tally.Get()));
            Assert.Equal(typeof(StateUnavailableException).FullName, load.Reason.ExceptionType);
            Assert.Contains("reading the state 'state' of <persistence-tally/new>: the state was not read", load.Reason.Detail);
            Assert.Contains("Check that the server is running", load.Reason.Detail);

            // The node goes on: other processes answer, and it has not stopped.
            var reply = new TaskCompletionSource<string>();
            node.Spawn(async ctx =>
            {
                echo.Send((ctx.Self, "still here"));
                reply.SetResult(await ctx.Receive<string>());
            });
            Assert.Equal("still here", await reply.Task.Within("the echo to answer while the database is down"));
            Assert.False(node.Termination.IsCompleted);

            await server.StartServerAsync();
        }
        finally
        {
            await server.StartServerIfStoppedAsync();
        }

        // Back: the first call activates the key again and loads what was stored before (the failed write stored nothing).
        var after = await node.Call<TallyView>(cached, new Tally.Get());
        Assert.Equal((1L, 1L), (after.Count, after.Version));
        Assert.Equal(["before"], after.Notes);
        Assert.Equal(2, (await node.Call<TallyView>(cached, new Tally.Add(1, "after"))).Version);
        Assert.False((await node.Call<TallyView>(node.Virtual<Tally>("new"), new Tally.Get())).RecordExists);
    }
}

using System.Diagnostics;
using ProcessGrid.Runtime.Placement;
using ProcessGrid.Samples;

namespace ProcessGrid.Tests.Persistence;

/// <summary>
/// The Simple Cache story: insert a key on machine A, read it from machine B; and since its value is persistent state
/// in the cluster's PostgreSQL, it is still there when A dies. Nodes in this process, and silos as OS processes killed
/// with <c>kill -9</c>.
/// </summary>
public sealed class SimpleCacheTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(30);

    /// <summary>Runs on a silo: inserts into the cache from there, and reports where it ran and the entry's version.</summary>
    public sealed class CacheInserter(string key, string value, Pid reportTo) : GridProcess
    {
        /// <summary>The report.</summary>
        public sealed record Inserted(NodeName Node, long Version);

        protected override async Task RunAsync(IProcessContext ctx)
        {
            var version = await ctx.Grid.Call<long>(ctx.Grid.Virtual<Cache>(key), new Cache.Insert(value));
            ctx.Send(reportTo, new Inserted(ctx.Grid.Node, version));
        }
    }

    [Fact]
    public async Task Inserted_on_one_node_it_is_found_on_the_others_deleted_from_any_and_outlives_the_node_that_held_it()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(3, database);
        await cluster.FullyConnected();
        var (a, b, c) = (cluster[0], cluster[1], cluster[2]);

        Assert.Equal(1L, await a.Call<long>(a.Virtual<Cache>("greeting"), new Cache.Insert("hello")));
        Assert.Equal("hello", await b.Call<string?>(b.Virtual<Cache>("greeting"), new Cache.Lookup()));
        Assert.Equal("hello", await c.Call<string?>(c.Virtual<Cache>("greeting"), new Cache.Lookup()));
        Assert.Null(await b.Call<string?>(b.Virtual<Cache>("nothing here"), new Cache.Lookup()));

        Assert.Equal(1L, await b.Call<long>(b.Virtual<Cache>("farewell"), new Cache.Insert("bye")));
        Assert.True(await c.Call<bool>(c.Virtual<Cache>("farewell"), new Cache.Delete()));
        Assert.Null(await a.Call<string?>(a.Virtual<Cache>("farewell"), new Cache.Lookup()));
        Assert.False(await a.Call<bool>(a.Virtual<Cache>("farewell"), new Cache.Delete()));

        // The node that holds "greeting" leaves; the next lookup activates it on a survivor, which loads the value.
        var holder = cluster.Nodes.Single(n => n.Placement.OwnerOf(Pid.ForVirtual("cache", "greeting")) == n.Node);
        await holder.StopAsync(TestContext.Current.CancellationToken);
        await cluster.FullyConnected(); // The survivors place on the survivors only.
        var survivor = cluster.Nodes.First(n => n != holder);
        Assert.Equal("hello", await survivor.Call<string?>(survivor.Virtual<Cache>("greeting"), new Cache.Lookup()));
    }

    [Fact]
    public async Task Inserted_on_silo_a_and_read_on_node_b_the_value_is_still_read_after_a_is_killed()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(1, database);
        var b = cluster[0];
        // Silo a also loads this test assembly, to run the process that inserts from there.
        await using var a = await cluster.StartSiloAsync("a", "--ProcessGrid:Assemblies:0", typeof(CacheInserter).Assembly.Location);
        await using var c = await cluster.StartSiloAsync("c");
        await TestNode.Eventually(() => b.Placement.Members.Count == 3, "node b to place on both silos", Liveness);
        await c.WaitForOutput($"Node up: {b.Node}", Liveness);
        NodeName aName = NodeName.Parse("a@localhost"), cName = NodeName.Parse("c@localhost");
        // A key that lives on a, and on c once a is gone: the value must travel from a's activation to c's through the database.
        var key = Enumerable.Range(0, 1000).Select(i => $"user:{i}").First(k =>
            VirtualPlacement.OwnerAmong(Pid.ForVirtual("cache", k), [b.Node, aName, cName]) == aName &&
            VirtualPlacement.OwnerAmong(Pid.ForVirtual("cache", k), [b.Node, cName]) == cName);
        var entry = b.Virtual<Cache>(key);

        // Insert on machine A...
        var probe = Probe.Spawn(b);
        await b.SpawnAsync<CacheInserter>(aName, key, "inserted on a", probe.Pid);
        Assert.Equal(new CacheInserter.Inserted(aName, 1), await probe.Expect<CacheInserter.Inserted>(within: Liveness));
        // ...read it from machine B.
        Assert.Equal("inserted on a", await b.Call<string?>(entry, new Cache.Lookup()));
        Assert.Equal("a@localhost", (await StateRows.OneAsync(database, "cache", key)).WrittenBy);

        a.Kill();
        var failures = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        string? found = null;
        var answered = false;
        while (!answered)
        {
            Assert.True(stopwatch.Elapsed < Liveness, $"The entry was not read again within {Liveness}; lookups failed with: {string.Join("; ", failures.Distinct())}");
            try
            {
                found = await b.Call<string?>(entry, new Cache.Lookup(), TimeSpan.FromSeconds(2));
                answered = true;
            }
            catch (CallException e)
            {
                failures.Add(e.Reason.ToString()); // {nodedown, a} while a is being declared dead.
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }

        Assert.Equal("inserted on a", found);
        Assert.All(failures.Distinct(), reason => Assert.Contains("nodedown", reason));
        Assert.Equal(cName, b.Placement.OwnerOf(entry));
        // c's activation loaded version 1, so its write is version 2 (a stale copy would have been refused).
        Assert.Equal(2L, await b.Call<long>(entry, new Cache.Insert("updated on c")));
        Assert.Equal((2L, "c@localhost"), (await StateRows.OneAsync(database, "cache", key)) is var row ? (row.Version, row.WrittenBy) : default);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ProcessGrid.Runtime.Hosting;
using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Tests.Chaos;

/// <summary>
/// Three nodes behind fault-injecting proxies on loopback, on a real PostgreSQL. One node at a time is cut off from
/// the others: it must be declared dead and stop, its global names must become free and be claimed on the majority
/// side, and it must come back with a new creation. Throughout, processes on every node race to claim the same
/// names, and observers on every node call each name; no name may ever have two holders whose answers interleave.
/// </summary>
public sealed class PartitionTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private static readonly string[] Names = ["alpha", "beta", "gamma"];
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(30);

    /// <summary>How many rounds of calls each node's observer has made (by node identity: a restarted node starts again).</summary>
    private static readonly ConcurrentDictionary<(NodeName, long), int> RoundsByCreation = new();

    /// <summary>What each racer and observer is doing, to say where one hangs.</summary>
    private static readonly ConcurrentDictionary<string, string> Steps = new();

    /// <summary>A holder's answer: who answered, and when by the holder's clock (one clock: all nodes share this process).</summary>
    public sealed record Answer(Pid Holder, long At);

    /// <summary>A process that claims to hold a name by answering for it.</summary>
    public sealed class NameHolder : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(new Answer(Self, Stopwatch.GetTimestamp()));
    }

    private sealed class Node(string name, int port, FaultProxy proxy)
    {
        public string Name { get; } = name;
        public int Port { get; } = port;
        public FaultProxy Proxy { get; } = proxy;
        public ProcessNode? Current { get; set; }

        public FaultProxy? DatabaseProxy { get; init; }
    }

    [Fact]
    public async Task Cut_off_nodes_lose_their_names_to_the_majority_rejoin_with_a_new_creation_and_no_name_ever_has_two_answering_holders()
    {
        var database = await postgres.Server.CreateDatabaseAsync();
        var clusterId = $"part-{Guid.NewGuid():N}"[..20];
        var partition = new NetworkPartition();
        var databaseCut = new NetworkPartition();
        var databasePort = new NpgsqlConnectionStringBuilder(database).Port;
        var log = new CapturedLog();
        var nodes = new List<Node>();
        foreach (var name in new[] { "p1", "p2", "p3" })
        {
            var port = FaultProxy.FreePort();
            var self = NodeName.Parse($"{name}@localhost");
            nodes.Add(new Node(name, port, new FaultProxy(self, port, partition))
            {
                // Each node reaches the database through a proxy of its own, so that one node alone can lose it.
                DatabaseProxy = new FaultProxy(NodeName.Parse("postgres@localhost"), databasePort, databaseCut, onlyDialer: self),
            });
        }

        async Task<ProcessNode> StartAsync(Node node)
        {
            var options = new ProcessGridOptions { NodeName = $"{node.Name}@localhost" };
            options.Cluster.ClusterId = clusterId;
            options.Cluster.Cookie = "partition-cookie";
            options.Cluster.Database = new NpgsqlConnectionStringBuilder(database) { Port = int.Parse(node.DatabaseProxy!.Endpoint.Split(':')[1], CultureInfo.InvariantCulture) }.ConnectionString;
            options.Cluster.Listen = $"127.0.0.1:{node.Port}";
            options.Cluster.AdvertisedEndpoint = node.Proxy.Endpoint;
            using var starting = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            starting.CancelAfter(Liveness);
            try
            {
                node.Current = await ProcessNode.StartAsync(options, null, TestLogging.Factory(log), starting.Token);
            }
            catch (OperationCanceledException) when (starting.IsCancellationRequested && !TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{node.Name} did not start (join its cluster) within {Liveness}.");
            }
            return node.Current;
        }

        foreach (var node in nodes)
        {
            await StartAsync(node);
        }
        var answers = new ConcurrentQueue<(string Name, Answer Answer)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var workers = nodes.SelectMany(node => new[] { RaceAsync(node, stop.Token), ObserveAsync(node, answers, stop.Token) }).ToList();
        var handedOver = 0;
        try
        {
            var watch = Stopwatch.StartNew();
            for (var cycle = 0; cycle < 6 && watch.Elapsed < TimeSpan.FromSeconds(80); cycle++)
            {
                var victim = nodes[cycle % nodes.Count];
                var majority = nodes.Where(n => n != victim).Select(n => n.Current!).ToList();
                await TestNode.Eventually(() => Names.All(name => majority.All(m => m.Global.Whereis(name) is not null)), "every name to be held", Liveness);
                var victimNode = victim.Current!;
                var victimHeld = Names.Where(name => majority[0].Global.Whereis(name)?.Node == victimNode.Node).ToList();

                // Every other cycle the cut node loses the database too: it cannot even learn that it was declared dead,
                // and must stop answering for names by itself (it no longer reaches the majority).
                var cutDatabase = cycle % 2 == 1;
                partition.Isolate(victimNode.Node);
                if (cutDatabase)
                {
                    databaseCut.Isolate(victimNode.Node);
                }
                else
                {
                    Assert.Equal(NodeTermination.DeclaredDead, await victimNode.Termination.Within($"{victimNode.Node} to be declared dead and stop", Liveness));
                }
                await TestNode.Eventually(
                    () => majority.All(m => m.Membership!.View.Entries.Any(e => e.Name == victimNode.Node && e.Creation == victimNode.Creation && e.Status == NodeStatus.Dead)),
                    $"the majority to declare {victimNode.Node} dead", Liveness);
                await TestNode.Eventually(
                    () => victimHeld.All(name => majority.All(m => m.Global.Whereis(name) is { } holder && holder.Node != victimNode.Node)),
                    $"the names {string.Join(", ", victimHeld)} of {victimNode.Node} to be claimed on the majority side", Liveness);
                handedOver += victimHeld.Count;
                if (cutDatabase)
                {
                    // The cut node's observers go on calling the names while the majority's new holders answer; then
                    // contact returns, and the node learns it was declared dead.
                    var roundsBefore = RoundsByCreation.GetValueOrDefault((victimNode.Node, victimNode.Creation));
                    await TestNode.Eventually(() => RoundsByCreation.GetValueOrDefault((victimNode.Node, victimNode.Creation)) >= roundsBefore + 50, $"{victimNode.Node}'s observer to keep calling while cut off", Liveness);
                    partition.Heal();
                    databaseCut.Heal();
                    Assert.Equal(NodeTermination.DeclaredDead, await victimNode.Termination.Within($"{victimNode.Node} to learn it was declared dead and stop", Liveness));
                }
                else
                {
                    partition.Heal();
                }
                var restarted = await StartAsync(victim);
                Assert.NotEqual(victimNode.Creation, restarted.Creation);
                await TestNode.Eventually(() => nodes.All(n => n.Current!.Nodes.Count == 2), "the restarted node to rejoin the full mesh", Liveness);
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await Task.WhenAll(workers).WaitAsync(Liveness, TestContext.Current.CancellationToken);
            }
            catch (TimeoutException)
            {
                // A racer or observer that hangs is a failure that says where, not a stuck run.
                throw new TimeoutException($"Workers still busy {Liveness} after the end: {string.Join("; ", Steps.Where(s => !s.Value.StartsWith("done", StringComparison.Ordinal)).Select(s => $"{s.Key}: {s.Value}"))}");
            }
            foreach (var node in nodes)
            {
                if (node.Current is { } current)
                {
                    await current.DisposeAsync().AsTask().WaitAsync(Liveness, TestContext.Current.CancellationToken);
                }
                await node.Proxy.DisposeAsync();
                await node.DatabaseProxy!.DisposeAsync();
            }
        }

        Assert.True(handedOver > 0, "At least one cut-off node held a name that the majority then claimed.");
        foreach (var name in Names)
        {
            // Holders of one name, by the time they answered: each holder's answers must form one run, never interleaved with another's.
            var ordered = answers.Where(a => a.Name == name).Select(a => a.Answer).OrderBy(a => a.At).ToList();
            Assert.True(ordered.Count > 10, $"Observers got answers for '{name}' throughout ({ordered.Count}).");
            var finished = new HashSet<Pid>();
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].Holder != ordered[i - 1].Holder)
                {
                    finished.Add(ordered[i - 1].Holder);
                    Assert.False(finished.Contains(ordered[i].Holder),
                        $"'{name}' was answered by {ordered[i].Holder}, then by {ordered[i - 1].Holder}, then by {ordered[i].Holder} again: two holders answered at the same time.");
                }
            }
        }
    }

    /// <summary>On the node's current run: for each free name, start a holder and claim the name for it; losers stop.</summary>
    private static async Task RaceAsync(Node node, CancellationToken stop)
    {
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await pace.WaitForNextTickAsync(stop))
            {
                if (node.Current is not { } grid || grid.Termination.IsCompleted)
                {
                    continue;
                }
                foreach (var name in Names)
                {
                    if (grid.Global.Whereis(name) is not null)
                    {
                        continue;
                    }
                    try
                    {
                        Steps[$"{node.Name} racer"] = $"starting a holder for {name} on {grid.Node} ({grid.Creation})";
                        var holder = await grid.StartAsync<NameHolder>();
                        Steps[$"{node.Name} racer"] = $"registering {name} for {holder}";
                        if (!await grid.Global.Register(name, holder))
                        {
                            grid.Exit(holder, ExitReason.Shutdown);
                        }
                        Steps[$"{node.Name} racer"] = "idle";
                    }
                    catch (Exception e) when (e is GlobalRegistryUnavailableException or InvalidOperationException or ArgumentException or OperationCanceledException)
                    {
                        // Cut off, stopping, or its holder was ended with its node: the race goes on with the next tick.
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        Steps[$"{node.Name} racer"] = "done";
    }

    /// <summary>On the node's current run: calls each name through the global registry and records who answered.</summary>
    private static async Task ObserveAsync(Node node, ConcurrentQueue<(string, Answer)> answers, CancellationToken stop)
    {
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(2));
        try
        {
            while (await pace.WaitForNextTickAsync(stop))
            {
                if (node.Current is not { } grid || grid.Termination.IsCompleted)
                {
                    continue;
                }
                RoundsByCreation.AddOrUpdate((grid.Node, grid.Creation), 1, (_, rounds) => rounds + 1);
                foreach (var name in Names)
                {
                    try
                    {
                        Steps[$"{node.Name} observer"] = $"calling {name} ({grid.Global.Whereis(name)}) from {grid.Node} ({grid.Creation})";
                        answers.Enqueue((name, await grid.Global.Call<Answer>(name, "who", TimeSpan.FromMilliseconds(500))));
                        Steps[$"{node.Name} observer"] = "idle";
                    }
                    catch (Exception e) when (e is CallException or InvalidOperationException or OperationCanceledException)
                    {
                        // Nobody holds it as far as this node can tell, the holder is gone, or the node is stopping.
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        Steps[$"{node.Name} observer"] = "done";
    }
}

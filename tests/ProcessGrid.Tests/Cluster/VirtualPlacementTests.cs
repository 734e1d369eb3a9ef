using Microsoft.Extensions.DependencyInjection;

namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// Virtual processes in a cluster: one activation per key wherever the calls come from, placed by strategy, moving
/// when nodes join or leave.
/// </summary>
public sealed class VirtualPlacementTests
{
    /// <summary>What the activations of the test's kinds did, across every node of the cluster.</summary>
    public sealed class Record
    {
        private int _constructed;

        public Inbox Events { get; } = new();

        public int Constructed => Volatile.Read(ref _constructed);

        public void OnConstructed() => Interlocked.Increment(ref _constructed);

        /// <summary>The last <see cref="Inspect"/> request an activation got (the object itself, to tell a copy from the original).</summary>
        public Inspect? LastInspected { get; set; }
    }

    public sealed record Where;

    public sealed record Increment;

    /// <summary>A request the activation keeps, so the test can see whether it got the sender's object or its own copy.</summary>
    public sealed record Inspect(int Value);

    public sealed record Terminated(string Key, NodeName Node, ExitReason Reason);

    /// <summary>A counter that says which node it runs on.</summary>
    public abstract class PlacedCounter : GenServer
    {
        private readonly Record _record;
        private int _count;

        protected PlacedCounter(Record record)
        {
            _record = record;
            record.OnConstructed();
        }

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => request switch
        {
            Where => new((object?)Context.Grid.Node),
            Increment => new(++_count),
            Inspect inspect => Keep(inspect),
            _ => throw new ArgumentException("unexpected request"),
        };

        private ValueTask<object?> Keep(Inspect inspect)
        {
            _record.LastInspected = inspect;
            return new(Context.Grid.Node);
        }

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            _record.Events.Post(new Terminated(Self.Key!, Context.Grid.Node, reason));
            return ValueTask.CompletedTask;
        }
    }

    public sealed class HashCounter(Record record) : PlacedCounter(record);

    [VirtualProcess(Placement = PlacementStrategy.PreferLocal)]
    public sealed class LocalCounter(Record record) : PlacedCounter(record);

    [VirtualProcess(Placement = PlacementStrategy.Random)]
    public sealed class RandomCounter(Record record) : PlacedCounter(record);

    [VirtualProcess(Placement = PlacementStrategy.NamedNode, Node = "n2@localhost")]
    public sealed class PinnedCounter(Record record) : PlacedCounter(record);

    /// <summary>A kind no node registers: the node that owns a key finds the class among its loaded assemblies.</summary>
    public sealed class UnregisteredCounter(Record record) : PlacedCounter(record);

    /// <summary>Two classes of one kind name that no node registers: a node cannot tell which is meant.</summary>
    public static class Twins
    {
        public sealed class Ambiguous(Record record) : PlacedCounter(record);
    }

    /// <summary>The other class of the kind name <c>Ambiguous</c>.</summary>
    public sealed class Ambiguous(Record record) : PlacedCounter(record);

    private static Task<TestCluster> StartAsync(int nodes, Record record) => TestCluster.StartAsync(
        nodes,
        configure: options =>
        {
            options.VirtualProcesses.Add(typeof(HashCounter));
            options.VirtualProcesses.Add(typeof(LocalCounter));
            options.VirtualProcesses.Add(typeof(RandomCounter));
            options.VirtualProcesses.Add(typeof(PinnedCounter));
        },
        services: TestNode.Services(s => s.AddSingleton(record)));

    [Fact]
    public async Task Calls_from_every_node_reach_one_activation_on_the_node_the_key_hashes_to()
    {
        var record = new Record();
        await using var cluster = await StartAsync(3, record);
        await cluster.FullyConnected();
        var pid = cluster[0].Virtual<HashCounter>("shared");
        var owner = cluster[0].Placement.OwnerOf(pid);

        var counts = new List<int>();
        foreach (var node in cluster.Nodes)
        {
            counts.Add(await node.Call<int>(node.Virtual<HashCounter>("shared"), new Increment()));
            Assert.Equal(owner, await node.Call<NodeName>(node.Virtual<HashCounter>("shared"), new Where()));
        }

        Assert.Equal([1, 2, 3], counts);
        Assert.Equal(1, record.Constructed);
    }

    [Fact]
    public async Task A_pid_object_shared_by_nodes_in_one_OS_process_still_reaches_the_activation_across_the_wire()
    {
        var record = new Record();
        await using var cluster = await StartAsync(3, record);
        await cluster.FullyConnected();
        var pid = cluster[0].Virtual<HashCounter>("shared-pid");
        var owner = cluster.Nodes.Single(n => n.Node == cluster[0].Placement.OwnerOf(pid));
        // The owner's own call caches its activation on the pid object; the other nodes must not post into it directly.
        Assert.Equal(owner.Node, await owner.Call<NodeName>(pid, new Where()));

        foreach (var caller in cluster.Nodes.Where(n => n != owner))
        {
            var request = new Inspect(7);
            Assert.Equal(owner.Node, await caller.Call<NodeName>(pid, request));
            Assert.Equal(request, record.LastInspected);
            Assert.NotSame(request, record.LastInspected); // A copy: it crossed nodes.
        }
        Assert.Equal(1, record.Constructed);
    }

    [Fact]
    public async Task A_node_that_owns_a_key_of_a_kind_it_never_registered_finds_the_class_in_its_loaded_assemblies()
    {
        var record = new Record();
        await using var cluster = await StartAsync(3, record);
        await cluster.FullyConnected();
        // Only the caller's node learns the kind (Virtual<T> registers it there); the key lives on another node.
        var key = Enumerable.Range(0, 1000).Select(i => $"found-{i}")
            .First(k => cluster[0].Placement.OwnerOf(Pid.ForVirtual(nameof(UnregisteredCounter), k)) != cluster[0].Node);
        var pid = cluster[0].Virtual<UnregisteredCounter>(key);

        Assert.Equal(cluster[0].Placement.OwnerOf(pid), await cluster[0].Call<NodeName>(pid, new Where()));
    }

    [Fact]
    public async Task A_kind_name_two_loaded_classes_share_is_refused_with_both_names_until_one_is_registered()
    {
        var record = new Record();
        await using var cluster = await StartAsync(2, record);
        await cluster.FullyConnected();
        var key = Enumerable.Range(0, 1000).Select(i => $"twin-{i}")
            .First(k => cluster[0].Placement.OwnerOf(Pid.ForVirtual(nameof(Ambiguous), k)) == cluster[1].Node);

        var refused = await Assert.ThrowsAsync<CallException>(async () => await cluster[0].Call<NodeName>(cluster[0].Virtual<Ambiguous>(key), new Where()));

        Assert.Contains("several classes could be the virtual process kind 'Ambiguous'", refused.Reason.ToString());
        Assert.Contains(typeof(Twins.Ambiguous).FullName!, refused.Reason.ToString());
        cluster[1].Virtual<Twins.Ambiguous>("registers-the-kind-there");
        Assert.Equal(cluster[1].Node, await cluster[0].Call<NodeName>(cluster[0].Virtual<Ambiguous>(key), new Where()));
    }

    [Fact]
    public async Task Keys_spread_over_the_nodes_and_every_node_agrees_where_each_lives()
    {
        var record = new Record();
        await using var cluster = await StartAsync(3, record);
        await cluster.FullyConnected();

        var homes = new Dictionary<NodeName, int>();
        for (var i = 0; i < 60; i++)
        {
            var key = $"key-{i}";
            var owners = cluster.Nodes.Select(n => n.Placement.OwnerOf(n.Virtual<HashCounter>(key))).Distinct().ToList();
            Assert.Single(owners);
            homes[owners[0]] = homes.GetValueOrDefault(owners[0]) + 1;
        }

        Assert.Equal(3, homes.Count);
        Assert.All(homes.Values, count => Assert.InRange(count, 5, 40));
    }

    [Fact]
    public async Task When_a_node_joins_the_keys_it_now_owns_move_to_it()
    {
        var record = new Record();
        await using var cluster = await StartAsync(2, record);
        await cluster.FullyConnected();
        // A key that a third node would own: its activation must move there when that node joins.
        var third = NodeName.Parse("n3@localhost");
        var key = Enumerable.Range(0, 1000).Select(i => $"mover-{i}")
            .First(k => Rendezvous(k, [cluster[0].Node, cluster[1].Node, third]) == third);
        var pid = cluster[0].Virtual<HashCounter>(key);
        var before = await cluster[0].Call<NodeName>(pid, new Where());
        Assert.NotEqual(third, before);

        var joined = await cluster.AddNodeAsync("n3");
        await cluster.FullyConnected();

        var moved = await record.Events.Expect<Terminated>(t => t.Key == key);
        Assert.Equal(before, moved.Node);
        Assert.Equal(ExitReason.ShutdownWith("moved"), moved.Reason);
        await TestNode.EventuallyAsync(async () => await cluster[0].Call<NodeName>(pid, new Where()) == joined.Node, "calls to reach the key on its new node");
    }

    [Fact]
    public async Task Once_a_joining_nodes_start_returns_every_node_places_on_it_so_no_key_it_owns_is_activated_elsewhere()
    {
        var record = new Record();
        await using var cluster = await StartAsync(2, record);
        await cluster.FullyConnected();

        var joined = await cluster.AddNodeAsync("n3");

        // No waiting: the join itself waited until the others had applied the view that has the new node.
        Assert.All(cluster.Nodes, node => Assert.Contains(joined.Node, node.Placement.Members));
        var key = Enumerable.Range(0, 1000).Select(i => $"joiner-{i}").First(k => joined.Placement.OwnerOf(joined.Virtual<HashCounter>(k)) == joined.Node);
        Assert.Equal(joined.Node, await cluster[0].Call<NodeName>(cluster[0].Virtual<HashCounter>(key), new Where()));
        Assert.Equal(joined.Node, await cluster[1].Call<NodeName>(cluster[1].Virtual<HashCounter>(key), new Where()));
        Assert.Equal(1, record.Constructed);
    }

    [Fact]
    public async Task When_the_node_of_a_key_leaves_the_key_is_activated_again_on_a_survivor()
    {
        var record = new Record();
        await using var cluster = await StartAsync(3, record);
        await cluster.FullyConnected();
        var key = Enumerable.Range(0, 1000).Select(i => $"leaver-{i}")
            .First(k => cluster[0].Placement.OwnerOf(cluster[0].Virtual<HashCounter>(k)) == cluster[2].Node);
        var pid = cluster[0].Virtual<HashCounter>(key);
        Assert.Equal(1, await cluster[0].Call<int>(pid, new Increment()));

        await cluster[2].StopAsync(TestContext.Current.CancellationToken);

        await TestNode.EventuallyAsync(
            async () => (await cluster[0].Call<NodeName>(pid, new Where())) != cluster[2].Node,
            "the key to be served by a surviving node");
        Assert.Contains(await cluster[1].Call<NodeName>(cluster[1].Virtual<HashCounter>(key), new Where()), new[] { cluster[0].Node, cluster[1].Node });
    }

    [Fact]
    public async Task Prefer_local_placement_activates_on_the_first_callers_node()
    {
        var record = new Record();
        await using var cluster = await StartAsync(3, record);
        await cluster.FullyConnected();

        foreach (var node in cluster.Nodes)
        {
            var key = $"local-to-{node.Node.Name}";
            Assert.Equal(node.Node, await node.Call<NodeName>(node.Virtual<LocalCounter>(key), new Where()));
            // Later callers elsewhere reach the same activation.
            var other = cluster.Nodes.First(n => n != node);
            Assert.Equal(node.Node, await other.Call<NodeName>(other.Virtual<LocalCounter>(key), new Where()));
        }
    }

    [Fact]
    public async Task Named_node_placement_activates_on_that_node()
    {
        var record = new Record();
        await using var cluster = await StartAsync(3, record);
        await cluster.FullyConnected();

        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(NodeName.Parse("n2@localhost"), await node.Call<NodeName>(node.Virtual<PinnedCounter>("pinned"), new Where()));
        }
        Assert.Equal(1, record.Constructed);
    }

    [Fact]
    public async Task Random_placement_keeps_one_activation_per_key_wherever_it_landed()
    {
        var record = new Record();
        await using var cluster = await StartAsync(3, record);
        await cluster.FullyConnected();

        var landed = new HashSet<NodeName>();
        for (var i = 0; i < 12; i++)
        {
            var key = $"random-{i}";
            var first = await cluster[i % 3].Call<NodeName>(cluster[i % 3].Virtual<RandomCounter>(key), new Where());
            landed.Add(first);
            foreach (var node in cluster.Nodes)
            {
                Assert.Equal(first, await node.Call<NodeName>(node.Virtual<RandomCounter>(key), new Where()));
            }
        }
        Assert.Equal(12, record.Constructed);
        Assert.True(landed.Count > 1, "Twelve random placements over three nodes all landed on one node.");
    }

    /// <summary>The owner rendezvous hashing picks among <paramref name="members"/>.</summary>
    private static NodeName Rendezvous(string key, NodeName[] members) =>
        Runtime.Placement.VirtualPlacement.OwnerAmong(Pid.ForVirtual(nameof(HashCounter), key), members);
}

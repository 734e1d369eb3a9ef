namespace ProcessGrid.Tests.Groups;

/// <summary>
/// Process groups across real nodes: a node's joins, leaves and exits reach the others; a node that joins the cluster
/// learns the members that exist; a node that goes away takes its members with it; a lost connection is re-synced.
/// </summary>
public sealed class ClusterGroupTests
{
    /// <summary>Waits until <paramref name="node"/> sees exactly <paramref name="expected"/> (in any order) in <paramref name="group"/>.</summary>
    internal static Task Sees(IProcessGrid node, string group, IEnumerable<Pid> expected, IGroupScope? scope = null)
    {
        var want = expected.Select(p => p.ToString()).Order(StringComparer.Ordinal).ToList();
        var groups = scope ?? node.Groups;
        return TestNode.Eventually(
            () => groups.GetMembers(group).Select(p => p.ToString()).Order(StringComparer.Ordinal).SequenceEqual(want),
            $"{node.Node} to see [{string.Join(", ", want)}] in {groups.Name}/{group} (it sees [{string.Join(", ", groups.GetMembers(group))}])");
    }

    [Fact]
    public async Task A_join_on_one_node_is_seen_on_every_other_and_only_there_as_local()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (a, b, c) = (cluster[0], cluster[1], cluster[2]);
        var onA = LocalGroupTests.Member(a);
        var onB = LocalGroupTests.Member(b);

        await a.Groups.JoinAsync("workers", onA);
        await b.Groups.JoinAsync("workers", onB);

        foreach (var node in cluster.Nodes)
        {
            await Sees(node, "workers", [onA, onB]);
        }
        Assert.Equal([onA], a.Groups.GetLocalMembers("workers"));
        Assert.Equal([onB], b.Groups.GetLocalMembers("workers"));
        Assert.Empty(c.Groups.GetLocalMembers("workers"));
        Assert.Equal(["workers"], c.Groups.WhichGroups());
        Assert.Empty(c.Groups.WhichLocalGroups());
    }

    [Fact]
    public async Task Members_seen_on_another_node_are_pids_that_reach_their_processes()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var probe = Probe.Spawn(a);
        await a.Groups.JoinAsync("echo", probe.Pid);
        await Sees(b, "echo", [probe.Pid]);

        b.Send(b.Groups.GetMembers("echo")[0], "found you");

        Assert.Equal("found you", await probe.Expect<string>());
    }

    [Fact]
    public async Task Leaves_and_repeated_joins_reach_the_other_nodes_with_their_counts()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var (x, y) = (LocalGroupTests.Member(a), LocalGroupTests.Member(a));

        await a.Groups.JoinAsync("g", [x, x, y]);
        await Sees(b, "g", [x, x, y]);
        Assert.True(await a.Groups.LeaveAsync("g", x));
        await Sees(b, "g", [x, y]);
        Assert.True(await a.Groups.LeaveAsync("g", [x, y]));
        await Sees(b, "g", []);
        Assert.Empty(b.Groups.WhichGroups());
    }

    [Fact]
    public async Task A_member_that_exits_leaves_on_every_node()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (a, b, c) = (cluster[0], cluster[1], cluster[2]);
        var (leaving, staying) = (LocalGroupTests.Member(a), LocalGroupTests.Member(a));
        await a.Groups.JoinAsync("g", [leaving, leaving, staying]);
        await a.Groups.JoinAsync("h", leaving);
        await Sees(c, "g", [leaving, leaving, staying]);

        a.Send(leaving, "stop");

        await Sees(b, "g", [staying]);
        await Sees(c, "g", [staying]);
        await Sees(c, "h", []);
        Assert.Equal(["g"], c.Groups.WhichGroups());
    }

    [Fact]
    public async Task A_node_that_joins_the_cluster_learns_the_members_that_already_exist_and_they_learn_its()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var onA = LocalGroupTests.Member(a);
        var onB = LocalGroupTests.Member(b);
        await a.Groups.JoinAsync("g", onA);
        await b.Groups.JoinAsync("g", [onB, onB]);
        await Sees(a, "g", [onA, onB, onB]);

        var c = await cluster.AddNodeAsync();
        var onC = LocalGroupTests.Member(c);
        await c.Groups.JoinAsync("g", onC);

        await Sees(c, "g", [onA, onB, onB, onC]);
        await Sees(a, "g", [onA, onB, onB, onC]);
        await Sees(b, "g", [onA, onB, onB, onC]);
    }

    [Fact]
    public async Task The_members_of_a_node_that_stops_leave_on_the_others()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (a, b, c) = (cluster[0], cluster[1], cluster[2]);
        var onA = LocalGroupTests.Member(a);
        var onC = Enumerable.Range(0, 10).Select(_ => LocalGroupTests.Member(c)).ToList();
        await a.Groups.JoinAsync("g", onA);
        await c.Groups.JoinAsync("g", onC);
        await c.Groups.JoinAsync("only-c", onC[0]);
        await Sees(b, "g", [onA, .. onC]);

        await c.StopAsync(TestContext.Current.CancellationToken);

        await Sees(a, "g", [onA]);
        await Sees(b, "g", [onA]);
        Assert.Equal(["g"], b.Groups.WhichGroups());
    }

    [Fact]
    public async Task After_a_disconnect_the_members_of_the_other_node_leave_and_come_back_when_it_reconnects()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var watcher = Probe.Spawn(a);
        var monitor = await a.Groups.MonitorAsync(watcher.Pid, "g");
        var onB = LocalGroupTests.Member(b);
        await b.Groups.JoinAsync("g", onB);
        Assert.Equal([onB], (await watcher.Expect<GroupJoined>()).Pids);

        Assert.True(a.Disconnect(b.Node));

        var left = await watcher.Expect<GroupLeft>();
        Assert.Equal((monitor.Ref, "g", onB), (left.Ref, left.Group, left.Pids.Single()));
        // The nodes connect again (membership keeps the mesh full), discover each other again and sync.
        var back = await watcher.Expect<GroupJoined>();
        Assert.Equal([onB], back.Pids);
        await Sees(a, "g", [onB]);
    }

    [Fact]
    public async Task Ten_thousand_joins_on_one_node_all_reach_another()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var pids = Enumerable.Range(0, 10_000).Select(_ => LocalGroupTests.Member(a)).ToList();

        await Task.WhenAll(pids.Select(pid => a.Groups.JoinAsync("crowd", pid).AsTask()));

        await TestNode.Eventually(() => b.Groups.GetMembers("crowd").Count == 10_000, "all 10,000 members to reach the other node");
        Assert.Equal(pids.Select(p => p.ToString()).ToHashSet(), b.Groups.GetMembers("crowd").Select(p => p.ToString()).ToHashSet());

        foreach (var pid in pids)
        {
            a.Send(pid, "stop");
        }
        await TestNode.Eventually(() => b.Groups.GetMembers("crowd").Count == 0, "all 10,000 members to leave on the other node as they exit");
    }

    [Fact]
    public async Task More_memberships_than_one_message_carries_reach_the_other_node_whole_by_update_and_by_sync()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var pid = LocalGroupTests.Member(a);
        const int Memberships = 150_000; // More than two update or sync messages' worth.

        await a.Groups.JoinAsync("many", Enumerable.Repeat(pid, Memberships));

        await TestNode.Eventually(() => b.Groups.GetMembers("many").Count == Memberships, "every membership to arrive by update");
        var c = await cluster.AddNodeAsync();
        await TestNode.Eventually(() => c.Groups.GetMembers("many").Count == Memberships, "every membership to arrive by sync, in parts");
        Assert.All(c.Groups.GetMembers("many"), member => Assert.Equal(pid, member));
    }
}

namespace ProcessGrid.Tests.Groups;

/// <summary>
/// <c>pg:monitor_scope</c>, <c>pg:monitor</c> and <c>pg:demonitor</c>: the subscription returns the current state, then
/// every change after it arrives as <see cref="GroupJoined"/>/<see cref="GroupLeft"/> with the subscription's reference,
/// whatever caused it (a join, a leave, an exit, a node's loss), until it is demonitored or its subscriber exits.
/// </summary>
public sealed class GroupMonitorTests
{
    private sealed record Marker(int N);

    [Fact]
    public async Task A_scope_monitor_returns_every_group_then_reports_joins_and_leaves_in_order()
    {
        await using var node = TestNode.Start();
        var (x, y) = (LocalGroupTests.Member(node), LocalGroupTests.Member(node));
        await node.Groups.JoinAsync("a", [x, x]);
        await node.Groups.JoinAsync("b", y);
        var watcher = Probe.Spawn(node);

        var monitor = await node.Groups.MonitorScopeAsync(watcher.Pid);

        Assert.Equal(["a", "b"], monitor.Groups.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([x, x], monitor.Groups["a"]);
        Assert.Equal([y], monitor.Groups["b"]);
        await node.Groups.JoinAsync("c", [x, y]);
        Assert.True(await node.Groups.LeaveAsync("a", x));
        var joined = Assert.IsType<GroupJoined>(await watcher.Expect<object>());
        Assert.Equal((monitor.Ref, "pg", "c"), (joined.Ref, joined.Scope, joined.Group));
        Assert.Equal([x, y], joined.Pids);
        var left = Assert.IsType<GroupLeft>(await watcher.Expect<object>());
        Assert.Equal((monitor.Ref, "pg", "a"), (left.Ref, left.Scope, left.Group));
        Assert.Equal([x], left.Pids);
    }

    [Fact]
    public async Task A_scope_monitor_reports_the_leaves_of_a_member_that_exits_once_per_membership()
    {
        await using var node = TestNode.Start();
        var pid = LocalGroupTests.Member(node);
        var watcher = Probe.Spawn(node);
        var monitor = await node.Groups.MonitorScopeAsync(watcher.Pid);
        await node.Groups.JoinAsync("a", [pid, pid]);
        await node.Groups.JoinAsync("b", pid);
        await watcher.Expect<GroupJoined>(j => j.Group == "a");
        await watcher.Expect<GroupJoined>(j => j.Group == "b");

        node.Send(pid, "stop");

        var leftA = await watcher.Expect<GroupLeft>(l => l.Group == "a");
        var leftB = await watcher.Expect<GroupLeft>(l => l.Group == "b");
        Assert.Equal([pid, pid], leftA.Pids);
        Assert.Equal([pid], leftB.Pids);
        Assert.Equal(monitor.Ref, leftB.Ref);
    }

    [Fact]
    public async Task A_group_monitor_returns_its_members_and_hears_only_of_its_group()
    {
        await using var node = TestNode.Start();
        var (x, y) = (LocalGroupTests.Member(node), LocalGroupTests.Member(node));
        await node.Groups.JoinAsync("watched", x);
        var watcher = Probe.Spawn(node);

        var monitor = await node.Groups.MonitorAsync(watcher.Pid, "watched");

        Assert.Equal([x], monitor.Members);
        await node.Groups.JoinAsync("other", y);
        await node.Groups.JoinAsync("watched", y);
        var joined = await watcher.Expect<GroupJoined>();
        Assert.Equal((monitor.Ref, "watched"), (joined.Ref, joined.Group));
        Assert.Equal([y], joined.Pids);
        node.Send(watcher.Pid, new Marker(1));
        await watcher.ExpectOnly(new Marker(1)); // Nothing about "other" arrived.
    }

    [Fact]
    public async Task After_demonitor_no_change_is_reported_and_a_second_demonitor_is_false()
    {
        await using var node = TestNode.Start();
        var pid = LocalGroupTests.Member(node);
        var watcher = Probe.Spawn(node);
        var monitor = await node.Groups.MonitorScopeAsync(watcher.Pid);
        var groupMonitor = await node.Groups.MonitorAsync(watcher.Pid, "g");

        Assert.True(await node.Groups.DemonitorAsync(monitor.Ref));
        Assert.True(await node.Groups.DemonitorAsync(groupMonitor.Ref));
        Assert.False(await node.Groups.DemonitorAsync(monitor.Ref));
        await node.Groups.JoinAsync("g", pid);
        await node.Groups.JoinAsync("h", pid);

        // The scope tells subscribers before it answers a join: any message about the joins was sent by now.
        node.Send(watcher.Pid, new Marker(2));
        await watcher.ExpectOnly(new Marker(2));
    }

    [Fact]
    public async Task A_subscriber_that_exits_is_dropped_and_no_change_is_sent_to_it_even_when_it_was_a_member_too()
    {
        await using var node = TestNode.Start();
        // It reads its mail until told to stop, so that the notice of its own join does not die unread with it.
        var subscriber = node.Spawn(async ctx =>
        {
            while (!Equals(await ctx.Receive(), "stop"))
            {
            }
        });
        var monitor = await node.Groups.MonitorScopeAsync(subscriber);
        await node.Groups.JoinAsync("g", subscriber); // Its subscription's Down comes first when it exits.

        node.Send(subscriber, "stop");
        await node.WhenExited(subscriber).Within("the subscriber to exit");
        // Its Downs reached the scope before this call did, and the scope tells subscribers before it answers.
        await node.Groups.JoinAsync("g", LocalGroupTests.Member(node));

        Assert.Equal(0, node.DeadLetters.Count); // A message to the exited subscriber would be a dead letter.
        Assert.False(await node.Groups.DemonitorAsync(monitor.Ref));
        Assert.Single(node.Groups.GetMembers("g"));
    }

    [Fact]
    public async Task Monitors_hear_of_changes_made_on_other_nodes_and_of_a_node_that_goes_down()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (a, b, c) = (cluster[0], cluster[1], cluster[2]);
        var scopeWatcher = Probe.Spawn(a);
        var groupWatcher = Probe.Spawn(a);
        var scopeMonitor = await a.Groups.MonitorScopeAsync(scopeWatcher.Pid);
        var groupMonitor = await a.Groups.MonitorAsync(groupWatcher.Pid, "g");
        var onB = LocalGroupTests.Member(b);
        var onC = LocalGroupTests.Member(c);

        await b.Groups.JoinAsync("g", onB);
        await c.Groups.JoinAsync("g", [onC, onC]);

        // Changes that reach the scope together may come in one message: count memberships, not messages.
        Assert.Equal(Sorted([onB, onC, onC]), Sorted(await Joined(scopeWatcher, scopeMonitor.Ref, 3)));
        Assert.Equal(Sorted([onB, onC, onC]), Sorted(await Joined(groupWatcher, groupMonitor.Ref, 3)));

        await c.StopAsync(TestContext.Current.CancellationToken);

        var left = await groupWatcher.Expect<GroupLeft>();
        Assert.Equal(groupMonitor.Ref, left.Ref);
        Assert.Equal([onC, onC], left.Pids);
        Assert.Equal(scopeMonitor.Ref, (await scopeWatcher.Expect<GroupLeft>(l => l.Pids.Contains(onC))).Ref);
        Assert.Equal([onB], a.Groups.GetMembers("g"));
    }

    private static async Task<List<Pid>> Joined(Probe watcher, MonitorRef monitorRef, int memberships)
    {
        var pids = new List<Pid>();
        while (pids.Count < memberships)
        {
            var joined = await watcher.Expect<GroupJoined>();
            Assert.Equal(monitorRef, joined.Ref);
            pids.AddRange(joined.Pids);
        }
        return pids;
    }

    private static List<string> Sorted(IEnumerable<Pid> pids) => [.. pids.Select(p => p.ToString()).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_subscriber_must_be_a_process_of_this_node()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var onB = LocalGroupTests.Member(cluster[1]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => cluster[0].Groups.MonitorScopeAsync(onB).AsTask());
        Assert.Contains(cluster[1].Node.ToString(), error.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => cluster[0].Groups.MonitorAsync(onB, "g").AsTask());
    }
}

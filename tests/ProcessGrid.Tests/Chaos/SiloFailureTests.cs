using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Tests.Chaos;

/// <summary>
/// Nodes as separate OS processes (the silo executable) fail for real: killed with SIGKILL, frozen with SIGSTOP,
/// stopped with SIGTERM, restarted. An in-process node (the development seed) observes what the cluster reports.
/// Timings are asserted only as generous liveness bounds; the benchmark measures them.
/// </summary>
public sealed class SiloFailureTests
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_silo_killed_with_SIGKILL_is_reported_down_by_every_survivor_and_declared_dead()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var observer = cluster[0];
        var events = Probe.WatchNodes(observer);
        await using var b = await cluster.StartSiloAsync("b");
        await using var c = await cluster.StartSiloAsync("c");
        await TestNode.Eventually(() => observer.Nodes.Count == 2, "both silos to connect to the observer", Liveness);
        await c.WaitForOutput("Node up: b@localhost", Liveness);

        b.Kill();

        var down = await events.Expect<NodeDown>(d => d.Node.Name == "b", Liveness);
        Assert.Equal(NodeDownReason.ConnectionLost, down.Reason);
        await c.WaitForOutput("Node down: b@localhost", Liveness);
        await TestNode.Eventually(
            () => observer.Membership!.View.Entries.Any(e => e.Name.Name == "b" && e.Status == NodeStatus.Dead),
            "the killed silo to be declared dead", Liveness);
        Assert.Equal([NodeName.Parse("c@localhost")], observer.Nodes);
    }

    [Fact]
    public async Task A_frozen_silo_is_declared_dead_and_stops_itself_when_it_runs_again()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var observer = cluster[0];
        var events = Probe.WatchNodes(observer);
        await using var b = await cluster.StartSiloAsync("b");
        await using var c = await cluster.StartSiloAsync("c");
        await TestNode.Eventually(() => observer.Nodes.Count == 2, "both silos to connect", Liveness);

        b.Freeze();

        var down = await events.Expect<NodeDown>(d => d.Node.Name == "b", Liveness);
        Assert.Equal(NodeDownReason.DeclaredDead, down.Reason);
        await c.WaitForOutput("Node down: b@localhost", Liveness);

        b.Thaw();

        Assert.Equal(3, await b.WaitForExit(Liveness));
        Assert.Contains("declared dead", b.Output);
        Assert.Equal([NodeName.Parse("c@localhost")], observer.Nodes);
    }

    [Fact]
    public async Task A_restarted_silo_rejoins_as_a_new_creation_and_its_old_one_stays_dead()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var observer = cluster[0];
        var events = Probe.WatchNodes(observer);
        await using var first = await cluster.StartSiloAsync("b");
        await events.Expect<NodeUp>(u => u.Node.Name == "b", Liveness);
        first.Kill();
        await events.Expect<NodeDown>(d => d.Node.Name == "b", Liveness);

        await using var second = await cluster.StartSiloAsync("b");

        await events.Expect<NodeUp>(u => u.Node.Name == "b", Liveness);
        await TestNode.Eventually(() =>
        {
            var rows = observer.Membership!.View.Entries.Where(e => e.Name.Name == "b").OrderBy(e => e.Creation).ToList();
            return rows.Count == 2 && rows[0].Status == NodeStatus.Dead && rows[1].Status == NodeStatus.Active;
        }, "the old creation dead and the new one active", Liveness);
    }

    [Fact]
    public async Task A_silo_stopped_with_SIGTERM_leaves_and_is_reported_as_left()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var observer = cluster[0];
        var events = Probe.WatchNodes(observer);
        await using var b = await cluster.StartSiloAsync("b");
        await events.Expect<NodeUp>(u => u.Node.Name == "b", Liveness);

        b.Terminate();

        Assert.Equal(0, await b.WaitForExit(Liveness));
        var down = await events.Expect<NodeDown>(d => d.Node.Name == "b", Liveness);
        Assert.Equal(NodeDownReason.Left, down.Reason);
        await TestNode.Eventually(
            () => observer.Membership!.View.Entries.Any(e => e.Name.Name == "b" && e.Status == NodeStatus.Dead),
            "the observer's view to show the silo dead after it left", Liveness);
    }

    [Fact]
    public async Task A_silo_with_the_wrong_cookie_cannot_join_and_both_sides_say_why()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var observer = cluster[0];

        var intruder = SiloProcess.Start("--name", "x@localhost", "--listen", "127.0.0.1:0", "--cluster", cluster.ClusterId,
            "--cookie", "not-the-cookie", "--join", observer.Endpoint!);
        await using var _ = intruder;

        await intruder.WaitForOutput("cookie", Liveness);
        Assert.Empty(observer.Nodes);
        Assert.DoesNotContain("x@localhost joined the cluster", intruder.Output);
    }
}

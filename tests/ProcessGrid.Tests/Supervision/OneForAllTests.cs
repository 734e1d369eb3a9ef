using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary><c>one_for_all</c>: the others are terminated in reverse start order, then all start again in order.</summary>
public sealed class OneForAllTests
{
    [Fact]
    public async Task A_crash_terminates_the_others_in_reverse_order_then_restarts_all_in_order()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForAll,
            [Worker("a", probe), Worker("b", probe), Worker("c", probe)]));
        var a = await probe.ExpectStarted("a");
        var b = await probe.ExpectStarted("b");
        var c = await probe.ExpectStarted("c");

        node.Cast(b.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("b", Crash);
        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        var a2 = await probe.ExpectStarted("a");
        var b2 = await probe.ExpectStarted("b");
        var c2 = await probe.ExpectStarted("c");
        Assert.DoesNotContain(a2.Pid, new[] { a.Pid, b.Pid, c.Pid });
        Assert.Equal([a2.Pid, b2.Pid, c2.Pid], (await node.WhichChildrenAsync(sup)).Select(child => child.Pid));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_temporary_sibling_is_terminated_and_not_started_again()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForAll,
            [Worker("a", probe), Worker("temp", probe) with { Restart = RestartType.Temporary }, Worker("c", probe)]));
        var a = await probe.ExpectStarted("a");
        await probe.ExpectStarted("temp");
        await probe.ExpectStarted("c");

        node.Cast(a.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("a", Crash);
        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        await probe.ExpectTerminated("temp", ExitReason.Shutdown);
        await probe.ExpectStarted("a");
        await probe.ExpectStarted("c");
        Assert.Equal(["a", "c"], (await node.WhichChildrenAsync(sup)).Select(child => child.Id));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_transient_child_that_exits_normally_leaves_its_siblings_alone()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForAll,
            [Worker("a", probe), Worker("done", probe) with { Restart = RestartType.Transient }, Worker("c", probe)]));
        var a = await probe.ExpectStarted("a");
        var done = await probe.ExpectStarted("done");
        var c = await probe.ExpectStarted("c");

        node.Cast(done.Pid, new StopWith(ExitReason.Normal));
        await probe.ExpectTerminated("done", ExitReason.Normal);

        var children = await node.ChildrenWhen(sup, children => children[1].Pid is null, "the supervisor has handled the exit");
        Assert.Equal([a.Pid, null, c.Pid], children.Select(child => child.Pid));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_failed_restart_is_retried_by_restarting_all_again()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var startSwitch = new StartSwitch();
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForAll,
            [Worker("a", probe), ChildSpec.Worker<FlakyWorker>("f", "f", probe.Pid, startSwitch), Worker("c", probe)]) { Period = TimeSpan.FromHours(1), Intensity = 5 });
        var a = await probe.ExpectStarted("a");
        await probe.ExpectStarted("f");
        await probe.ExpectStarted("c");

        startSwitch.FailNext(1);
        node.Cast(a.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("a", Crash);
        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        await probe.ExpectTerminated("f", ExitReason.Shutdown);
        await probe.ExpectStarted("a");
        // "f" fails to start; the retry is a one_for_all restart of its own: "a" is stopped again, then all start.
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        var a3 = await probe.ExpectStarted("a");
        var f = await probe.ExpectStarted("f");
        var c = await probe.ExpectStarted("c");
        Assert.Equal([a3.Pid, f.Pid, c.Pid], (await node.WhichChildrenAsync(sup)).Select(child => child.Pid));
    }
}

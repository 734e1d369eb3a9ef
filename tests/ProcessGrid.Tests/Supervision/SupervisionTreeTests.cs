using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary>
/// Trees of supervisors: depth-first ordered start and reverse-ordered stop, and a child supervisor that gives up is
/// handled by its parent supervisor like any other child.
/// </summary>
public sealed class SupervisionTreeTests
{
    private static readonly TimeSpan LongPeriod = TimeSpan.FromHours(1);

    /// <summary>top: [a, sub: [b, c], d].</summary>
    private static SupervisorSpec Tree(Probe probe, int subIntensity = 1, int topIntensity = 1) =>
        new(RestartStrategy.OneForOne,
        [
            Worker("a", probe),
            ChildSpec.Supervisor("sub", new SupervisorSpec(RestartStrategy.OneForOne, [Worker("b", probe), Worker("c", probe)])
            {
                Intensity = subIntensity,
                Period = LongPeriod,
            }),
            Worker("d", probe),
        ])
        {
            Intensity = topIntensity,
            Period = LongPeriod,
        };

    [Fact]
    public async Task A_tree_starts_depth_first_in_order_and_stops_in_reverse()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        var top = await node.StartSupervisorAsync(Tree(probe));

        await probe.ExpectStarted("a");
        await probe.ExpectStarted("b");
        await probe.ExpectStarted("c");
        await probe.ExpectStarted("d");
        var sub = (await node.WhichChildrenAsync(top))[1];
        Assert.Equal(("sub", ChildType.Supervisor), (sub.Id, sub.Type));
        Assert.Equal(["b", "c"], (await node.WhichChildrenAsync(sub.Pid!)).Select(child => child.Id));
        var subExit = node.WhenExited(sub.Pid!);

        node.Exit(top, ExitReason.Shutdown);

        await probe.ExpectTerminated("d", ExitReason.Shutdown);
        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        await probe.ExpectTerminated("b", ExitReason.Shutdown);
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await subExit.Within("the child supervisor to exit"));
    }

    [Fact]
    public async Task A_child_supervisor_that_exceeds_its_intensity_is_restarted_by_its_parent()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var top = await node.StartSupervisorAsync(Tree(probe, subIntensity: 0));
        var a = await probe.ExpectStarted("a");
        var b = await probe.ExpectStarted("b");
        await probe.ExpectStarted("c");
        var d = await probe.ExpectStarted("d");
        var sub = (await node.WhichChildrenAsync(top))[1].Pid!;
        var subExit = node.WhenExited(sub);

        node.Cast(b.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("b", Crash);
        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await subExit.Within("the child supervisor to give up"));
        await probe.ExpectStarted("b");
        await probe.ExpectStarted("c");
        var children = await node.WhichChildrenAsync(top);
        Assert.Equal(a.Pid, children[0].Pid);
        Assert.NotEqual(sub, children[1].Pid);
        Assert.Equal(d.Pid, children[2].Pid);
        // "a" and "d" were not touched.
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task When_every_level_gives_up_the_failure_reaches_the_root()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var top = await node.StartSupervisorAsync(Tree(probe, subIntensity: 0, topIntensity: 0));
        await probe.ExpectStarted("a");
        var b = await probe.ExpectStarted("b");
        await probe.ExpectStarted("c");
        await probe.ExpectStarted("d");
        var topExit = node.WhenExited(top);

        node.Cast(b.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("b", Crash);
        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        // The child supervisor's exit needs a restart the root cannot afford: it stops the rest, last started first.
        await probe.ExpectTerminated("d", ExitReason.Shutdown);
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await topExit.Within("the root supervisor to give up"));
    }

    [Fact]
    public async Task A_supervisor_child_can_be_added_at_run_time()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var top = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, []));

        var sub = await node.StartChildAsync(top, ChildSpec.Supervisor("sub", new SupervisorSpec(RestartStrategy.OneForAll, [Worker("x", probe)])));

        var x = await probe.ExpectStarted("x");
        Assert.Equal([new ChildInfo("x", x.Pid, ChildType.Worker, false)], await node.WhichChildrenAsync(sub));
        await node.TerminateChildAsync(top, "sub");
        await probe.ExpectTerminated("x", ExitReason.Shutdown);
    }
}

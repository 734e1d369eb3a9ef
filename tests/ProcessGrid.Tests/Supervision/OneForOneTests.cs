using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary><c>one_for_one</c>: only the child that exited is restarted.</summary>
public sealed class OneForOneTests
{
    [Fact]
    public async Task A_crashed_child_is_restarted_alone()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("a", probe), Worker("b", probe), Worker("c", probe)]));
        var a = await probe.ExpectStarted("a");
        var b = await probe.ExpectStarted("b");
        var c = await probe.ExpectStarted("c");

        node.Cast(b.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("b", Crash);
        var b2 = await probe.ExpectStarted("b");
        Assert.NotEqual(b.Pid, b2.Pid);
        Assert.Equal([a.Pid, b2.Pid, c.Pid], (await node.WhichChildrenAsync(sup)).Select(child => child.Pid));
        // Siblings were not touched: had they been terminated or restarted, they would have reported it already.
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task An_exit_signal_from_a_process_that_is_not_a_child_is_ignored()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("a", probe)]));
        var a = await probe.ExpectStarted("a");

        var stranger = node.Spawn(ctx =>
        {
            ctx.Exit(sup, ExitReason.Custom("stray"));
            return Task.CompletedTask;
        });
        await node.WhenExited(stranger).Within("the stranger to send its signal and exit");

        // The signal is queued at the supervisor before the stranger exits, so the call below is handled after it.
        Assert.Equal([new ChildInfo("a", a.Pid, ChildType.Worker, false)], await node.WhichChildrenAsync(sup));
        Assert.NotNull(node.GetProcessInfo(sup));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }
}

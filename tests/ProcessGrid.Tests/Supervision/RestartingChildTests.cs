namespace ProcessGrid.Tests.Supervision;

/// <summary>
/// A child whose restart failed is <c>restarting</c> until a retry starts it: listed so, refused by restart_child and
/// delete_child, and terminate_child stops the retries. The supervisors here allow endless restarts, so the retries go
/// on until the test intervenes; the supervisor answers calls between retries.
/// </summary>
public sealed class RestartingChildTests
{
    private static SupervisorSpec Endless(RestartStrategy strategy, ChildSpec child) =>
        new(strategy, [child]) { Intensity = int.MaxValue, Period = TimeSpan.FromHours(1) };

    [Fact]
    public async Task A_child_whose_restarts_fail_is_restarting_until_terminated()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var startSwitch = new StartSwitch();
        var sup = await node.StartSupervisorAsync(Endless(RestartStrategy.OneForOne, ChildSpec.Worker<FlakyWorker>("f", "f", probe.Pid, startSwitch)));
        await probe.Expect<InitAttempt>();
        var first = await probe.Expect<Started>();

        startSwitch.FailNext(int.MaxValue);
        node.Cast(first.Pid, new StopWith(LifecycleExpectations.Crash));
        await probe.Expect<Terminated>();
        await probe.Expect<InitAttempt>(); // A restart is under way and fails: between messages, the child is now restarting.

        Assert.Equal([new ChildInfo("f", null, ChildType.Worker, true)], await node.WhichChildrenAsync(sup));
        Assert.Equal(SupervisorError.Restarting, (await Assert.ThrowsAsync<SupervisorException>(async () => await node.RestartChildAsync(sup, "f"))).Error);
        Assert.Equal(SupervisorError.Restarting, (await Assert.ThrowsAsync<SupervisorException>(async () => await node.DeleteChildAsync(sup, "f"))).Error);

        await node.TerminateChildAsync(sup, "f");

        Assert.Equal([new ChildInfo("f", null, ChildType.Worker, false)], await node.WhichChildrenAsync(sup));
        await node.DeleteChildAsync(sup, "f");
        Assert.Empty(await node.WhichChildrenAsync(sup));
    }

    [Fact]
    public async Task A_dynamic_child_being_restarted_is_terminated_by_its_old_pid()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var startSwitch = new StartSwitch();
        var sup = await node.StartSupervisorAsync(Endless(RestartStrategy.SimpleOneForOne, ChildSpec.Worker<FlakyWorker>("f", probe.Pid, startSwitch)));
        var x = await node.StartChildAsync(sup, ["x"]);
        await probe.Expect<InitAttempt>();
        await probe.Expect<Started>();

        startSwitch.FailNext(int.MaxValue);
        node.Cast(x, new StopWith(LifecycleExpectations.Crash));
        await probe.Expect<Terminated>();
        await probe.Expect<InitAttempt>(); // A restart is under way and fails: between messages, the child is now restarting.
        Assert.Equal([new ChildInfo("f", null, ChildType.Worker, true)], await node.WhichChildrenAsync(sup));
        Assert.Equal(new ChildCounts(1, 0, 0, 1), await node.CountChildrenAsync(sup));

        await node.TerminateChildAsync(sup, x);

        Assert.Empty(await node.WhichChildrenAsync(sup));
        Assert.Equal(new ChildCounts(1, 0, 0, 0), await node.CountChildrenAsync(sup));
    }
}

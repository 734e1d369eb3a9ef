using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary>
/// <c>simple_one_for_one</c>: dynamic children of one template, started with extra arguments, terminated by pid,
/// restarted with the same arguments, and stopped all together with the supervisor.
/// </summary>
public sealed class SimpleOneForOneTests
{
    /// <summary>A template whose children take their id as the extra start argument.</summary>
    private static SupervisorSpec Pool(Probe probe, RestartType restart = RestartType.Permanent) =>
        new(RestartStrategy.SimpleOneForOne, [ChildSpec.Worker<TestWorker>("conn", probe.Pid) with { Restart = restart }]) { Period = TimeSpan.FromHours(1) };

    [Fact]
    public async Task Dynamic_children_start_with_their_arguments_and_are_counted_and_terminated_by_pid()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(Pool(probe));
        Assert.Equal(new ChildCounts(1, 0, 0, 0), await node.CountChildrenAsync(sup));

        var x = await node.StartChildAsync(sup, ["x"]);
        var y = await node.StartChildAsync(sup, ["y"]);
        var z = await node.StartChildAsync(sup, ["z"]);

        Assert.Equal(x, (await probe.ExpectStarted("x")).Pid);
        Assert.Equal(y, (await probe.ExpectStarted("y")).Pid);
        Assert.Equal(z, (await probe.ExpectStarted("z")).Pid);
        Assert.Equal(new ChildCounts(1, 3, 0, 3), await node.CountChildrenAsync(sup));
        var children = await node.WhichChildrenAsync(sup);
        Assert.Equal(new HashSet<Pid> { x, y, z }, children.Select(child => child.Pid!).ToHashSet());
        Assert.All(children, child => Assert.Equal("conn", child.Id));

        await node.TerminateChildAsync(sup, y);

        await probe.ExpectTerminated("y", ExitReason.Shutdown);
        Assert.Equal(new ChildCounts(1, 2, 0, 2), await node.CountChildrenAsync(sup));
        Assert.DoesNotContain(y, (await node.WhichChildrenAsync(sup)).Select(child => child.Pid));
    }

    [Fact]
    public async Task A_crashed_dynamic_child_is_restarted_with_the_same_arguments()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(Pool(probe));
        var x = await node.StartChildAsync(sup, ["x"]);
        var y = await node.StartChildAsync(sup, ["y"]);
        await probe.ExpectStarted("x");
        await probe.ExpectStarted("y");

        node.Cast(x, new StopWith(Crash));

        await probe.ExpectTerminated("x", Crash);
        var x2 = await probe.ExpectStarted("x");
        Assert.NotEqual(x, x2.Pid);
        Assert.Equal(new HashSet<Pid> { x2.Pid, y }, (await node.WhichChildrenAsync(sup)).Select(child => child.Pid!).ToHashSet());
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_temporary_dynamic_child_that_exits_is_forgotten()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(Pool(probe, RestartType.Temporary));
        var x = await node.StartChildAsync(sup, ["x"]);
        await probe.ExpectStarted("x");

        node.Cast(x, new StopWith(Crash));
        await probe.ExpectTerminated("x", Crash);

        await node.ChildrenWhen(sup, children => children.Count == 0, "the temporary child is forgotten");
        Assert.Equal(new ChildCounts(1, 0, 0, 0), await node.CountChildrenAsync(sup));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task Stopping_the_supervisor_stops_every_dynamic_child()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(Pool(probe));
        var pids = new List<Pid>();
        foreach (var id in new[] { "x", "y", "z" })
        {
            pids.Add(await node.StartChildAsync(sup, [id]));
            await probe.ExpectStarted(id);
        }
        var exited = node.WhenExited(sup);

        node.Exit(sup, ExitReason.Shutdown);

        // Dynamic children are stopped together, in no particular order.
        var terminated = new List<Terminated>();
        for (var i = 0; i < 3; i++)
        {
            terminated.Add(await probe.Expect<Terminated>());
        }
        Assert.Equal(["x", "y", "z"], terminated.Select(t => t.Id).Order());
        Assert.All(terminated, t => Assert.Equal(ExitReason.Shutdown, t.Reason));
        Assert.Equal(ExitReason.Shutdown, await exited.Within("the supervisor to exit"));
    }

    [Fact]
    public async Task Dynamic_children_that_ignore_shutdown_are_killed_after_the_template_timeout()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.SimpleOneForOne,
            [ChildSpec.Worker<StubbornWorker>("stubborn", probe.Pid) with { Shutdown = ChildShutdown.After(TimeSpan.FromMilliseconds(50)) }]));
        var x = await node.StartChildAsync(sup, ["x"]);
        var y = await node.StartChildAsync(sup, ["y"]);
        // A GridProcess child counts as started once spawned; its report says it now traps exits.
        await probe.Expect<Started>(started => started.Id == "x");
        await probe.Expect<Started>(started => started.Id == "y");
        var xExit = node.WhenExited(x);
        var yExit = node.WhenExited(y);
        var supExit = node.WhenExited(sup);

        node.Exit(sup, ExitReason.Shutdown);

        Assert.Equal(ExitReason.Shutdown, await supExit.Within("the supervisor to exit"));
        // The supervisor exits only after its children: both were gone, killed, by then.
        Assert.True(xExit.IsCompleted && yExit.IsCompleted);
        Assert.Equal(ExitReason.Killed, await xExit);
        Assert.Equal(ExitReason.Killed, await yExit);
    }

    [Fact]
    public async Task A_dynamic_child_that_fails_to_start_is_not_kept()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.SimpleOneForOne,
            [ChildSpec.Worker<FlakyWorker>("flaky", probe.Pid, StartSwitch.AlwaysFail())]));

        var error = await Assert.ThrowsAsync<ProcessStartException>(async () => await node.StartChildAsync(sup, ["x"]));

        Assert.Equal(ExitReasonKind.Exception, error.Reason.Kind);
        Assert.Contains("refuses to start", error.Reason.Detail);
        Assert.Equal(new ChildCounts(1, 0, 0, 0), await node.CountChildrenAsync(sup));
    }

    [Fact]
    public async Task Operations_by_id_are_refused_and_an_unknown_live_pid_is_not_found()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(Pool(probe));
        await node.StartChildAsync(sup, ["x"]);

        Assert.Equal(SupervisorError.SimpleOneForOne,
            (await Assert.ThrowsAsync<SupervisorException>(async () => await node.StartChildAsync(sup, LifecycleExpectations.Worker("w", probe)))).Error);
        Assert.Equal(SupervisorError.SimpleOneForOne,
            (await Assert.ThrowsAsync<SupervisorException>(async () => await node.TerminateChildAsync(sup, "conn"))).Error);
        Assert.Equal(SupervisorError.SimpleOneForOne,
            (await Assert.ThrowsAsync<SupervisorException>(async () => await node.RestartChildAsync(sup, "conn"))).Error);
        Assert.Equal(SupervisorError.SimpleOneForOne,
            (await Assert.ThrowsAsync<SupervisorException>(async () => await node.DeleteChildAsync(sup, "conn"))).Error);
        Assert.Equal(SupervisorError.NotFound,
            (await Assert.ThrowsAsync<SupervisorException>(async () => await node.TerminateChildAsync(sup, probe.Pid))).Error);
    }

    [Fact]
    public async Task Terminating_a_dynamic_child_that_already_exited_succeeds()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(Pool(probe, RestartType.Temporary));
        var x = await node.StartChildAsync(sup, ["x"]);
        await probe.ExpectStarted("x");
        node.Cast(x, new StopWith(ExitReason.Normal));
        await node.WhenExited(x).Within("the child to exit");

        await node.TerminateChildAsync(sup, x);

        Assert.Equal(new ChildCounts(1, 0, 0, 0), await node.CountChildrenAsync(sup));
    }

    [Fact]
    public async Task Start_arguments_are_refused_by_a_supervisor_that_is_not_simple_one_for_one()
    {
        await using var node = TestNode.Start();
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, []));

        var error = await Assert.ThrowsAsync<SupervisorException>(async () => await node.StartChildAsync(sup, ["x"]));

        Assert.Equal(SupervisorError.NotSimpleOneForOne, error.Error);
        Assert.Equal(sup, error.Supervisor);
    }
}

using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary>
/// Managing the children of a running supervisor: start_child, terminate_child, restart_child, delete_child,
/// which_children and count_children, with Erlang's refusals.
/// </summary>
public sealed class ChildManagementTests
{
    [Fact]
    public async Task A_started_child_is_added_last_so_it_is_shut_down_first()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("a", probe), Worker("b", probe)]));
        await probe.ExpectStarted("a");
        await probe.ExpectStarted("b");

        var x = await node.StartChildAsync(sup, Worker("x", probe));

        Assert.Equal(x, (await probe.ExpectStarted("x")).Pid);
        Assert.Equal(["a", "b", "x"], (await node.WhichChildrenAsync(sup)).Select(child => child.Id));
        node.Exit(sup, ExitReason.Shutdown);
        await probe.ExpectTerminated("x", ExitReason.Shutdown);
        await probe.ExpectTerminated("b", ExitReason.Shutdown);
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
    }

    [Fact]
    public async Task A_duplicate_id_is_refused_as_already_started_or_already_present()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("a", probe)]));
        var a = await probe.ExpectStarted("a");

        var running = await Assert.ThrowsAsync<SupervisorException>(async () => await node.StartChildAsync(sup, Worker("a", probe)));
        await node.TerminateChildAsync(sup, "a");
        var present = await Assert.ThrowsAsync<SupervisorException>(async () => await node.StartChildAsync(sup, Worker("a", probe)));

        Assert.Equal(SupervisorError.AlreadyStarted, running.Error);
        Assert.Equal(a.Pid, running.RunningPid);
        Assert.Equal(SupervisorError.AlreadyPresent, present.Error);
        Assert.Equal("a", present.Child);
    }

    [Fact]
    public async Task A_terminated_child_keeps_its_spec_until_restarted_or_deleted()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("a", probe), Worker("b", probe)]));
        await probe.ExpectStarted("a");
        await probe.ExpectStarted("b");

        await node.TerminateChildAsync(sup, "a");

        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.Equal(new ChildCounts(2, 1, 0, 2), await node.CountChildrenAsync(sup));
        Assert.Null((await node.WhichChildrenAsync(sup))[0].Pid);

        var restarted = await node.RestartChildAsync(sup, "a");

        Assert.Equal(restarted, (await probe.ExpectStarted("a")).Pid);
        Assert.Equal(new ChildCounts(2, 2, 0, 2), await node.CountChildrenAsync(sup));

        await node.TerminateChildAsync(sup, "a");
        await node.DeleteChildAsync(sup, "a");

        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.Equal(["b"], (await node.WhichChildrenAsync(sup)).Select(child => child.Id));
        // A child terminated on request is not restarted: nothing but these reports reached the probe.
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_running_child_cannot_be_restarted_or_deleted()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("a", probe)]));
        await probe.ExpectStarted("a");

        var restart = await Assert.ThrowsAsync<SupervisorException>(async () => await node.RestartChildAsync(sup, "a"));
        var delete = await Assert.ThrowsAsync<SupervisorException>(async () => await node.DeleteChildAsync(sup, "a"));

        Assert.Equal(SupervisorError.Running, restart.Error);
        Assert.Equal(SupervisorError.Running, delete.Error);
        Assert.Contains("TerminateChildAsync", delete.Message);
    }

    [Fact]
    public async Task An_unknown_id_is_not_found()
    {
        await using var node = TestNode.Start();
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, []));

        var terminate = await Assert.ThrowsAsync<SupervisorException>(async () => await node.TerminateChildAsync(sup, "nope"));
        var restart = await Assert.ThrowsAsync<SupervisorException>(async () => await node.RestartChildAsync(sup, "nope"));
        var delete = await Assert.ThrowsAsync<SupervisorException>(async () => await node.DeleteChildAsync(sup, "nope"));

        Assert.All([terminate, restart, delete], error => Assert.Equal(SupervisorError.NotFound, error.Error));
        Assert.All([terminate, restart, delete], error => Assert.Equal("nope", error.Child));
    }

    [Fact]
    public async Task Terminating_a_temporary_child_removes_its_spec()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("a", probe), Worker("temp", probe) with { Restart = RestartType.Temporary }]));
        await probe.ExpectStarted("a");
        await probe.ExpectStarted("temp");

        await node.TerminateChildAsync(sup, "temp");

        await probe.ExpectTerminated("temp", ExitReason.Shutdown);
        Assert.Equal(["a"], (await node.WhichChildrenAsync(sup)).Select(child => child.Id));
    }

    [Fact]
    public async Task A_child_that_fails_to_start_is_reported_and_not_kept()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("a", probe)]));
        await probe.ExpectStarted("a");

        var error = await Assert.ThrowsAsync<ProcessStartException>(async () =>
            await node.StartChildAsync(sup, ChildSpec.Worker<FlakyWorker>("bad", "bad", probe.Pid, StartSwitch.AlwaysFail())));

        Assert.Equal(typeof(FlakyWorker).FullName, error.ProcessType);
        Assert.Contains("refuses to start", error.Reason.Detail);
        Assert.Equal(["a"], (await node.WhichChildrenAsync(sup)).Select(child => child.Id));
    }

    [Fact]
    public async Task A_start_function_that_throws_fails_the_start_with_its_exception()
    {
        await using var node = TestNode.Start();
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, []));

        var error = await Assert.ThrowsAsync<ProcessStartException>(async () =>
            await node.StartChildAsync(sup, new ChildSpec("odd", (_, _) => throw new InvalidOperationException("no such thing"))));

        Assert.Equal(ExitReason.FromException(typeof(InvalidOperationException).FullName!, "no such thing"), error.Reason);
        Assert.Empty(await node.WhichChildrenAsync(sup));
    }

    [Fact]
    public async Task Children_are_listed_and_counted_by_type()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
        [
            Worker("a", probe),
            ChildSpec.Supervisor("sub", new SupervisorSpec(RestartStrategy.OneForOne, [Worker("b", probe)])),
            Worker("c", probe),
        ]));

        var children = await node.WhichChildrenAsync(sup);

        Assert.Equal([ChildType.Worker, ChildType.Supervisor, ChildType.Worker], children.Select(child => child.Type));
        Assert.All(children, child => Assert.NotNull(child.Pid));
        Assert.Equal(new ChildCounts(3, 3, 1, 2), await node.CountChildrenAsync(sup));
    }
}

using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary>Starting a supervisor: children start in order; a child that fails to start fails the supervisor's start.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Children_start_in_spec_order_and_are_listed_in_that_order()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("a", probe), Worker("b", probe), Worker("c", probe)]));

        var a = await probe.ExpectStarted("a");
        var b = await probe.ExpectStarted("b");
        var c = await probe.ExpectStarted("c");
        var children = await node.WhichChildrenAsync(sup);
        Assert.Equal(
            [new ChildInfo("a", a.Pid, ChildType.Worker, false), new ChildInfo("b", b.Pid, ChildType.Worker, false), new ChildInfo("c", c.Pid, ChildType.Worker, false)],
            children);
    }

    [Fact]
    public async Task A_child_that_fails_to_start_fails_the_start_and_the_started_children_stop_in_reverse_order()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var spec = new SupervisorSpec(RestartStrategy.OneForOne,
        [
            Worker("a", probe),
            Worker("b", probe),
            ChildSpec.Worker<FlakyWorker>("bad", "bad", probe.Pid, StartSwitch.AlwaysFail()),
            Worker("c", probe),
        ]);

        var error = await Assert.ThrowsAsync<ProcessStartException>(async () => await node.StartSupervisorAsync(spec));

        Assert.Equal(ExitReasonKind.Shutdown, error.Reason.Kind);
        Assert.StartsWith("{failed_to_start_child,bad,", error.Reason.Detail);
        await probe.ExpectStarted("a");
        await probe.ExpectStarted("b");
        await probe.Expect<InitAttempt>(attempt => attempt.Id == "bad");
        await probe.ExpectTerminated("b", ExitReason.Shutdown);
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        // The children reported before the start failed; anything about "c" would have come before this marker.
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_process_whose_linked_supervisor_fails_to_start_gets_the_error_and_no_exit_signal()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var spec = new SupervisorSpec(RestartStrategy.OneForOne, [ChildSpec.Worker<FlakyWorker>("bad", "bad", probe.Pid, StartSwitch.AlwaysFail())]);

        var starter = node.Spawn(async ctx =>
        {
            try
            {
                await ctx.StartSupervisorLinkAsync(spec);
            }
            catch (ProcessStartException e)
            {
                ctx.Send(probe.Pid, e.Reason);
            }
            await ctx.Receive<string>(text => text == "still there?");
            ctx.Send(probe.Pid, "alive");
        });

        var reason = await probe.Expect<ExitReason>();
        Assert.StartsWith("{failed_to_start_child,bad,", reason.Detail);
        node.Send(starter, "still there?");
        await probe.Expect<string>(text => text == "alive");
    }

    [Fact]
    public async Task A_function_child_counts_as_started_once_spawned()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
        [
            ChildSpec.Function("f", async ctx =>
            {
                ctx.Send(probe.Pid, new Started("f", ctx.Self));
                await ctx.Receive<string>(_ => false);
            }),
        ]));

        var started = await probe.ExpectStarted("f");
        var child = Assert.Single(await node.WhichChildrenAsync(sup));
        Assert.Equal(started.Pid, child.Pid);
    }

    [Fact]
    public async Task A_supervisor_can_be_registered_under_a_name()
    {
        await using var node = TestNode.Start();

        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, []), new SpawnOptions { Name = "top_sup" });

        Assert.Equal(sup, node.Whereis("top_sup"));
    }

    [Fact]
    public async Task Invalid_specs_are_rejected_before_anything_starts()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        Assert.Throws<ArgumentException>(() => { _ = node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("a", probe), Worker("a", probe)])); });
        Assert.Throws<ArgumentException>(() => { _ = node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.SimpleOneForOne, [Worker("a", probe), Worker("b", probe)])); });
        Assert.Throws<ArgumentException>(() => { _ = node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.SimpleOneForOne, [])); });
        Assert.Throws<ArgumentException>(() => { _ = node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, []) { Intensity = -1 }); });
        Assert.Throws<ArgumentException>(() => { _ = node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, []) { Period = TimeSpan.Zero }); });
        Assert.Throws<ArgumentException>(() => ChildSpec.Worker<TestWorker>("", "x", probe.Pid));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChildSpec.Worker<TestWorker>("a", "a", probe.Pid) with { Shutdown = ChildShutdown.After(TimeSpan.FromSeconds(-1)) });

        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public void Shutdown_defaults_follow_the_child_type()
    {
        var worker = ChildSpec.Function("w", _ => Task.CompletedTask);
        var supervisor = ChildSpec.Supervisor("s", new SupervisorSpec(RestartStrategy.OneForOne, []));

        Assert.Equal(ChildShutdown.After(TimeSpan.FromSeconds(5)), worker.Shutdown);
        Assert.Equal(ChildType.Supervisor, supervisor.Type);
        Assert.True(supervisor.Shutdown.IsInfinity);
        Assert.Equal(RestartType.Permanent, worker.Restart);
        Assert.Equal(ChildShutdown.BrutalKill, (worker with { Shutdown = ChildShutdown.BrutalKill }).Shutdown);
    }
}

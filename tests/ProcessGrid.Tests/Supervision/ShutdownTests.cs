using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary>
/// Shutting children down: in reverse start order on the parent's exit signal, and per child by its shutdown spec
/// (brutal kill; a timeout after which the child is killed).
/// </summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task An_exit_signal_from_the_parent_stops_the_children_in_reverse_order_then_the_supervisor_with_that_reason()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("a", probe), Worker("b", probe), Worker("c", probe)]));
        await probe.ExpectStarted("a");
        await probe.ExpectStarted("b");
        await probe.ExpectStarted("c");
        var exited = node.WhenExited(sup);

        // The supervisor was started from outside any process: its parent is the node, which sends this signal.
        node.Exit(sup, ExitReason.Shutdown);

        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        await probe.ExpectTerminated("b", ExitReason.Shutdown);
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await exited.Within("the supervisor to exit"));
    }

    [Fact]
    public async Task A_supervisor_exits_with_the_reason_of_its_linked_parent_after_stopping_its_children()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var spec = new SupervisorSpec(RestartStrategy.OneForOne, [Worker("a", probe), Worker("b", probe)]);
        var parent = node.Spawn(async ctx =>
        {
            var sup = await ctx.StartSupervisorLinkAsync(spec);
            ctx.Send(probe.Pid, sup);
            await ctx.Receive<string>(text => text == "die");
            ctx.Exit(ExitReason.Custom("parent_gone"));
        });
        var sup = await probe.Expect<Pid>();
        await probe.ExpectStarted("a");
        await probe.ExpectStarted("b");
        var exited = node.WhenExited(sup);

        node.Send(parent, "die");

        await probe.ExpectTerminated("b", ExitReason.Shutdown);
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.Equal(ExitReason.Custom("parent_gone"), await exited.Within("the supervisor to exit"));
    }

    [Fact]
    public async Task Brutal_kill_kills_the_child_without_letting_it_clean_up()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("a", probe) with { Shutdown = ChildShutdown.BrutalKill }]));
        var a = await probe.ExpectStarted("a");
        var exited = node.WhenExited(a.Pid);

        await node.TerminateChildAsync(sup, "a").AsTask().Within("terminate_child");

        Assert.Equal(ExitReason.Killed, await exited.Within("the child to exit"));
        // A killed child runs no terminate callback: no Terminated report precedes the marker.
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_child_that_ignores_shutdown_is_killed_after_its_timeout()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
        [
            ChildSpec.Worker<StubbornWorker>("stubborn", "stubborn", probe.Pid) with { Shutdown = ChildShutdown.After(TimeSpan.FromMilliseconds(100)) },
        ]));
        var stubborn = await probe.ExpectStarted("stubborn");
        var watcher = node.Spawn(async ctx =>
        {
            ctx.Monitor(stubborn.Pid);
            ctx.Send(probe.Pid, "watching");
            ctx.Send(probe.Pid, await ctx.Receive<Down>());
        });
        await probe.Expect<string>(text => text == "watching");

        await node.TerminateChildAsync(sup, "stubborn").AsTask().Within("terminate_child");

        Assert.Equal(ExitReason.Shutdown, (await probe.Expect<IgnoredExit>()).Reason);
        var down = await probe.Expect<Down>();
        Assert.Equal(stubborn.Pid, down.Pid);
        Assert.Equal(ExitReason.Killed, down.Reason);
        Assert.Null(Assert.Single(await node.WhichChildrenAsync(sup)).Pid);
        GC.KeepAlive(watcher);
    }

    [Fact]
    public async Task A_child_that_stops_within_its_timeout_exits_with_shutdown_after_cleaning_up()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("a", probe) with { Shutdown = ChildShutdown.After(TimeSpan.FromSeconds(30)) }]));
        var a = await probe.ExpectStarted("a");
        var exited = node.WhenExited(a.Pid);

        await node.TerminateChildAsync(sup, "a").AsTask().Within("terminate_child");

        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await exited.Within("the child to exit"));
    }

    [Fact]
    public async Task Each_child_is_shut_down_by_its_own_spec_in_reverse_order()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
        [
            Worker("a", probe),
            ChildSpec.Worker<StubbornWorker>("stubborn", "stubborn", probe.Pid) with { Shutdown = ChildShutdown.After(TimeSpan.FromMilliseconds(50)) },
            Worker("killed", probe) with { Shutdown = ChildShutdown.BrutalKill },
            Worker("c", probe),
        ]));
        // A GridProcess child counts as started once spawned, so its report may come after its next sibling's.
        var stubborn = await probe.Expect<Started>(started => started.Id == "stubborn");
        var killed = await probe.Expect<Started>(started => started.Id == "killed");
        await probe.Expect<Started>(started => started.Id == "c");
        await probe.Expect<Started>(started => started.Id == "a");
        var stubbornExit = node.WhenExited(stubborn.Pid);
        var killedExit = node.WhenExited(killed.Pid);

        node.Exit(sup, ExitReason.Shutdown);

        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        // "killed" runs no terminate callback and "stubborn" only reports that it ignored the order, so the next
        // lifecycle report is a's, which the supervisor asks for only after both have exited.
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.True(killedExit.IsCompleted, "a was shut down before the brutally killed child had exited");
        Assert.True(stubbornExit.IsCompleted, "a was shut down before the stubborn child had exited");
        Assert.Equal(ExitReason.Killed, await killedExit);
        Assert.Equal(ExitReason.Killed, await stubbornExit);
        Assert.Equal(ExitReason.Shutdown, (await probe.Expect<IgnoredExit>(ignored => ignored.Id == "stubborn")).Reason);
    }
}

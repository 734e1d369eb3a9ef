namespace ProcessGrid.Tests.Introspection;

/// <summary>process_info and processes(): what a snapshot of a process says, and which processes are listed.</summary>
public sealed class ProcessInfoTests
{
    private sealed class Idler : GridProcess
    {
        protected override async Task RunAsync(IProcessContext ctx) => await ctx.Receive<Guid>();
    }

    private sealed class IdleServer : GenServer;

    [Fact]
    public async Task Status_is_Waiting_for_a_process_in_receive_and_Running_for_one_busy_with_something_else()
    {
        await using var node = TestNode.Start();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiving = node.Spawn(ctx => ctx.Receive<Guid>().AsTask());
        var busy = node.Spawn(async ctx =>
        {
            ctx.Send(ctx.Self, "started");
            await gate.Task;
        });

        await node.UntilWaiting(receiving);
        await TestNode.Eventually(() => node.GetProcessInfo(busy)?.MessageQueueLength == 1, "the busy process to have started");

        Assert.Equal(ProcessStatus.Running, node.GetProcessInfo(busy)!.Status);
        gate.SetResult();
    }

    [Fact]
    public async Task Type_names_the_process_class_or_the_method_a_function_was_written_in()
    {
        await using var node = TestNode.Start();

        var function = node.Spawn(ctx => ctx.Receive<Guid>().AsTask());
        var gridProcess = node.Spawn<Idler>();
        var server = node.Spawn<IdleServer>();

        Assert.StartsWith("fun ", node.GetProcessInfo(function)!.Type, StringComparison.Ordinal);
        Assert.Contains(nameof(ProcessInfoTests), node.GetProcessInfo(function)!.Type, StringComparison.Ordinal);
        Assert.Equal(typeof(Idler).FullName, node.GetProcessInfo(gridProcess)!.Type);
        Assert.Equal(typeof(IdleServer).FullName, node.GetProcessInfo(server)!.Type);
    }

    [Fact]
    public async Task Registered_name_is_reported()
    {
        await using var node = TestNode.Start();
        var named = node.Spawn<Idler>(new SpawnOptions { Name = "named" });
        var anonymous = node.Spawn<Idler>();

        Assert.Equal("named", node.GetProcessInfo(named)!.RegisteredName);
        Assert.Null(node.GetProcessInfo(anonymous)!.RegisteredName);
    }

    [Fact]
    public async Task Message_queue_length_counts_waiting_messages_including_those_a_receive_skipped()
    {
        await using var node = TestNode.Start();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var busy = node.Spawn(_ => gate.Task);
        var selective = node.Spawn(ctx => ctx.Receive<int>().AsTask());

        for (var i = 0; i < 3; i++)
        {
            node.Send(busy, $"message {i}");
        }
        node.Send(selective, "skipped");
        node.Send(selective, "skipped too");

        Assert.Equal(3, node.GetProcessInfo(busy)!.MessageQueueLength);
        await TestNode.Eventually(() => node.GetProcessInfo(selective)!.MessageQueueLength == 2, "two skipped messages to be counted");
        await node.UntilWaiting(selective);
        Assert.Equal(2, node.GetProcessInfo(selective)!.MessageQueueLength);
        gate.SetResult();
    }

    [Fact]
    public async Task Links_monitors_monitored_by_trap_exit_and_parent_are_reported()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var parent = node.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            var linked = ctx.SpawnLink(child => child.Receive<Guid>().AsTask());
            var (monitored, _) = ctx.SpawnMonitor(child => child.Receive<Guid>().AsTask());
            ctx.Send(probe.Pid, (linked, monitored));
            await ctx.Receive<Exit>(); // Trapping exits, it stops on the node's shutdown signal.
        });
        var (linked, monitored) = await probe.Expect<(Pid, Pid)>();

        var parentInfo = node.GetProcessInfo(parent)!;
        var linkedInfo = node.GetProcessInfo(linked)!;
        var monitoredInfo = node.GetProcessInfo(monitored)!;
        Assert.Equal([linked], parentInfo.Links);
        Assert.Equal([parent], linkedInfo.Links);
        Assert.Equal([monitored], parentInfo.Monitors);
        Assert.Equal([parent], monitoredInfo.MonitoredBy);
        Assert.Empty(monitoredInfo.Links);
        Assert.True(parentInfo.TrapExit);
        Assert.False(linkedInfo.TrapExit);
        Assert.Equal(parent, linkedInfo.Parent);
        Assert.Equal(parent, monitoredInfo.Parent);
        Assert.Equal(node.SystemPid, parentInfo.Parent); // Spawned from outside any process: the node is its parent.
        Assert.Equal(parent, parentInfo.Pid);
    }

    [Fact]
    public async Task A_process_that_is_not_alive_has_no_info()
    {
        await using var node = TestNode.Start();

        Assert.Null(node.GetProcessInfo(await node.DeadProcess()));
        Assert.Null(node.GetProcessInfo(Pid.ForSpawned(node.Node, node.Creation, long.MaxValue)));
    }

    [Fact]
    public async Task Processes_lists_the_live_processes_and_not_the_dead_ones()
    {
        await using var node = TestNode.Start();
        var alive = node.Spawn<Idler>();
        var server = node.Spawn<IdleServer>();
        var dead = await node.DeadProcess();
        var killed = node.Spawn<Idler>();
        var killedExit = node.WhenExited(killed);
        node.Exit(killed, ExitReason.Kill);
        await killedExit.Within("the killed process to exit");

        var processes = node.Processes();

        Assert.Contains(alive, processes);
        Assert.Contains(server, processes);
        Assert.DoesNotContain(dead, processes);
        Assert.DoesNotContain(killed, processes);
    }
}

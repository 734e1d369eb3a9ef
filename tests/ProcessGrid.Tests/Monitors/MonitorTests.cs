namespace ProcessGrid.Tests.Monitors;

/// <summary>
/// Monitors: one-way, one <see cref="Down"/> per monitor, exactly once, with the exit reason (noproc for a process that
/// is not alive), none after demonitor, and after every message the monitored process sent before it exited.
/// </summary>
public sealed class MonitorTests
{
    private static Pid SpawnIdle(IProcessGrid node) => node.Spawn(ctx => ctx.Receive<Guid>().AsTask());

    [Fact]
    public async Task Down_arrives_exactly_once_with_the_exit_reason()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var target = SpawnIdle(node);
        var monitor = await probe.Run(ctx => ctx.Monitor(target));

        node.Exit(target, ExitReason.Custom("done"));

        Assert.Equal(new Down(monitor, target, ExitReason.Custom("done")), await probe.Expect<Down>());
        // A new monitor on the dead process answers at once; a second Down of the first monitor would come before it.
        var marker = await probe.Run(ctx => ctx.Monitor(target));
        await probe.ExpectOnly(new Down(marker, target, ExitReason.NoProc));
    }

    [Fact]
    public async Task A_monitor_is_one_way_the_watcher_carries_on_after_the_Down()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var target = node.Spawn(async ctx =>
        {
            await ctx.Receive<string>(m => m == "crash");
            throw new InvalidOperationException("crashed");
        });
        var monitor = await probe.Run(ctx => ctx.Monitor(target));

        node.Send(target, "crash");

        var down = await probe.Expect<Down>();
        Assert.Equal(monitor, down.Ref);
        Assert.Equal(typeof(InvalidOperationException).FullName, down.Reason.ExceptionType);
        Assert.NotNull(node.GetProcessInfo(probe.Pid));
        Assert.Empty(node.GetProcessInfo(probe.Pid)!.Monitors);
    }

    [Fact]
    public async Task Monitoring_a_process_that_is_not_alive_gives_Down_with_noproc_at_once()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var dead = await node.DeadProcess();
        var neverSpawned = Pid.ForSpawned(node.Node, node.Creation, long.MaxValue);
        var earlierRun = Pid.ForSpawned(node.Node, node.Creation - 1, 2);

        foreach (var pid in new[] { dead, neverSpawned, earlierRun })
        {
            var monitor = await probe.Run(ctx => ctx.Monitor(pid));
            Assert.Equal(new Down(monitor, pid, ExitReason.NoProc), await probe.Expect<Down>());
        }
    }

    [Fact]
    public async Task Monitoring_a_process_of_a_node_that_cannot_be_reached_gives_Down_with_noconnection()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var elsewhere = Pid.ForSpawned(NodeName.Parse("unreachable@nowhere"), 1, 1);

        var monitor = await probe.Run(ctx => ctx.Monitor(elsewhere));

        Assert.Equal(new Down(monitor, elsewhere, ExitReason.NoConnection), await probe.Expect<Down>());
    }

    [Fact]
    public async Task Several_monitors_on_one_process_give_one_Down_each()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var other = Probe.Spawn(node);
        var target = SpawnIdle(node);
        var mine = new[]
        {
            await probe.Run(ctx => ctx.Monitor(target)),
            await probe.Run(ctx => ctx.Monitor(target)),
            await probe.Run(ctx => ctx.Monitor(target)),
        };
        var theirs = await other.Run(ctx => ctx.Monitor(target));
        Assert.Equal(3, mine.Distinct().Count());

        node.Exit(target, ExitReason.Shutdown);

        var downs = new[] { await probe.Expect<Down>(), await probe.Expect<Down>(), await probe.Expect<Down>() };
        Assert.Equal(mine.Select(m => m.Value).Order(), downs.Select(d => d.Ref.Value).Order());
        Assert.All(downs, down => Assert.Equal(ExitReason.Shutdown, down.Reason));
        Assert.Equal(new Down(theirs, target, ExitReason.Shutdown), await other.Expect<Down>());
        var marker = await probe.Run(ctx => ctx.Monitor(target));
        await probe.ExpectOnly(new Down(marker, target, ExitReason.NoProc));
    }

    [Fact]
    public async Task Demonitor_stops_delivery()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var target = SpawnIdle(node);
        var monitor = await probe.Run(ctx => ctx.Monitor(target));
        Assert.Contains(probe.Pid, node.GetProcessInfo(target)!.MonitoredBy);

        Assert.True(await probe.Run(ctx => ctx.Demonitor(monitor)));

        Assert.Empty(node.GetProcessInfo(target)!.MonitoredBy);
        Assert.Empty(node.GetProcessInfo(probe.Pid)!.Monitors);
        // An exit signal from outside ends the target on this thread: any Down it sends is queued before the marker.
        node.Exit(target, ExitReason.Custom("done"));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
        Assert.False(await probe.Run(ctx => ctx.Demonitor(monitor)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Demonitor_with_flush_removes_a_Down_already_queued_and_without_flush_leaves_it(bool flush)
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var target = SpawnIdle(node);
        var watcher = node.Spawn(async ctx =>
        {
            var monitor = ctx.Monitor(target);
            ctx.Send(probe.Pid, "monitoring");
            await ctx.Receive<string>(m => m == "go"); // Skips the Down, which waits in the mailbox.
            var removed = ctx.Demonitor(monitor, flush);
            var down = await ctx.Receive<Down>(TimeSpan.Zero);
            var other = await ctx.Receive<string>(TimeSpan.Zero);
            ctx.Send(probe.Pid, (removed, down.TimedOut ? "no Down" : "Down", other.TryGet(out var text) ? text : "nothing"));
        });
        await probe.ExpectNext("monitoring");

        node.Exit(target, ExitReason.Custom("done")); // Queues the Down in the watcher's mailbox on this thread.
        node.Send(watcher, "unrelated");
        node.Send(watcher, "go");

        var expected = (false, flush ? "no Down" : "Down", "unrelated");
        Assert.Equal(expected, await probe.Expect<(bool, string, string)>());
    }

    [Fact]
    public async Task A_message_sent_before_the_monitored_process_exits_arrives_before_its_Down()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var target = node.Spawn(async ctx =>
        {
            await ctx.Receive<string>(m => m == "go");
            for (var i = 0; i < 100; i++)
            {
                ctx.Send(probe.Pid, i);
            }
        });
        var monitor = await probe.Run(ctx => ctx.Monitor(target));

        node.Send(target, "go");

        for (var i = 0; i < 100; i++)
        {
            await probe.ExpectNext(i);
        }
        await probe.ExpectNext(new Down(monitor, target, ExitReason.Normal));
    }

    [Fact]
    public async Task A_process_that_exits_leaves_no_monitors_behind_on_the_processes_it_monitored()
    {
        await using var node = TestNode.Start();
        var target = SpawnIdle(node);
        var watcher = node.Spawn(async ctx =>
        {
            ctx.Monitor(target);
            await ctx.Receive<string>(m => m == "quit");
        });
        await TestNode.Eventually(() => node.GetProcessInfo(target)!.MonitoredBy.Contains(watcher), "the monitor to exist");
        var exited = node.WhenExited(watcher);

        node.Send(watcher, "quit");
        await exited.Within("the watcher to exit");

        Assert.Empty(node.GetProcessInfo(target)!.MonitoredBy);
    }
}

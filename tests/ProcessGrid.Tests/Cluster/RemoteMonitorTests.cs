namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// Monitors on processes of another node: one <see cref="Down"/> with the exit reason, exactly once; <c>noproc</c> at
/// once for a process that does not exist; none after demonitor; and <c>WhenExited</c> on a remote pid.
/// </summary>
/// <remarks>
/// Negative checks are causal. An exit signal sent from another node is applied on the target's node as it arrives,
/// Down frames included, before the next frame from that node is read; a monitor taken afterwards on the dead process
/// is answered with <c>noproc</c> on the same connection, so any other <see cref="Down"/> would come before that one.
/// </remarks>
public sealed class RemoteMonitorTests
{
    [Fact]
    public async Task Down_arrives_exactly_once_with_the_exit_reason()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var watcher = Probe.Spawn(cluster[0]);
        var target = Worker.Spawn(cluster[1]);
        var monitor = await watcher.Run(ctx => ctx.Monitor(target));

        cluster[0].Exit(target, ExitReason.Custom("done"));

        Assert.Equal(new Down(monitor, target, ExitReason.Custom("done")), await watcher.Expect<Down>());
        var marker = await watcher.Run(ctx => ctx.Monitor(target));
        await watcher.ExpectOnly(new Down(marker, target, ExitReason.NoProc));
        Assert.Empty(cluster[0].GetProcessInfo(watcher.Pid)!.Monitors);
    }

    [Fact]
    public async Task Down_of_a_crashed_remote_process_carries_the_exception_type_and_message()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var watcher = Probe.Spawn(cluster[0]);
        var target = Worker.Spawn(cluster[1]);
        var monitor = await watcher.Run(ctx => ctx.Monitor(target));

        cluster[0].Send(target, new Worker.Crash());

        var down = await watcher.Expect<Down>();
        Assert.Equal(new Down(monitor, target, Worker.CrashReason), down);
        Assert.Equal(typeof(InvalidOperationException).FullName, down.Reason.ExceptionType);
        Assert.Equal(Worker.CrashMessage, down.Reason.Detail);
    }

    [Fact]
    public async Task Several_monitors_from_both_nodes_give_one_Down_each()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var remoteWatcher = Probe.Spawn(cluster[0]);
        var localWatcher = Probe.Spawn(cluster[1]);
        var target = Worker.Spawn(cluster[1]);
        var first = await remoteWatcher.Run(ctx => ctx.Monitor(target));
        var second = await remoteWatcher.Run(ctx => ctx.Monitor(target));
        var local = await localWatcher.Run(ctx => ctx.Monitor(target));

        cluster[0].Exit(target, ExitReason.Custom("done"));

        var downs = new[] { await remoteWatcher.Expect<Down>(), await remoteWatcher.Expect<Down>() };
        Assert.Equal([first, second], downs.Select(d => d.Ref).OrderBy(r => r.Value));
        Assert.All(downs, d => Assert.Equal(ExitReason.Custom("done"), d.Reason));
        Assert.Equal(new Down(local, target, ExitReason.Custom("done")), await localWatcher.Expect<Down>());
        var marker = await remoteWatcher.Run(ctx => ctx.Monitor(target));
        await remoteWatcher.ExpectOnly(new Down(marker, target, ExitReason.NoProc));
    }

    [Fact]
    public async Task Monitoring_a_remote_process_that_does_not_exist_gives_Down_noproc()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var watcher = Probe.Spawn(cluster[0]);
        var gone = await cluster[1].DeadProcess();
        var neverSpawned = Pid.ForSpawned(cluster[1].Node, cluster[1].Creation, long.MaxValue);
        var earlierRun = Pid.ForSpawned(cluster[1].Node, cluster[1].Creation - 1, watcher.Pid.Id);

        foreach (var pid in new[] { gone, neverSpawned, earlierRun })
        {
            var monitor = await watcher.Run(ctx => ctx.Monitor(pid));
            Assert.Equal(new Down(monitor, pid, ExitReason.NoProc), await watcher.Expect<Down>());
        }
    }

    [Fact]
    public async Task After_demonitor_no_Down_arrives()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var watcher = Probe.Spawn(cluster[0]);
        var target = Worker.Spawn(cluster[1]);
        var monitor = await watcher.Run(ctx => ctx.Monitor(target));
        Assert.True(await watcher.Run(ctx => ctx.Demonitor(monitor)));

        cluster[0].Exit(target, ExitReason.Custom("done"));

        var marker = await watcher.Run(ctx => ctx.Monitor(target));
        await watcher.ExpectOnly(new Down(marker, target, ExitReason.NoProc));
        Assert.False(await watcher.Run(ctx => ctx.Demonitor(monitor)));
    }

    [Fact]
    public async Task The_far_node_lists_a_remote_monitor_among_the_monitors_of_its_process_until_demonitor()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var watcher = Probe.Spawn(cluster[0]);
        var target = Worker.Spawn(cluster[1]);
        var monitor = await watcher.Run(ctx => ctx.Monitor(target));
        await Worker.Answers(cluster[0], target); // The monitor has reached the far node.

        Assert.Equal([watcher.Pid], cluster[1].GetProcessInfo(target)!.MonitoredBy);
        Assert.Equal([target], cluster[0].GetProcessInfo(watcher.Pid)!.Monitors);

        await watcher.Run(ctx => ctx.Demonitor(monitor));
        await Worker.Answers(cluster[0], target); // So has the demonitor.

        Assert.Empty(cluster[1].GetProcessInfo(target)!.MonitoredBy);
        Assert.DoesNotContain(cluster[1].Distribution!.Get(cluster[0].Node).Watchers.Values, w => w.Watcher == watcher.Pid);
    }

    [Fact]
    public async Task WhenExited_on_a_remote_pid_completes_with_its_exit_reason_or_noproc()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var target = Worker.Spawn(cluster[1]);
        var exited = cluster[0].WhenExited(target);
        var gone = await cluster[1].DeadProcess();
        var neverSpawned = Pid.ForSpawned(cluster[1].Node, cluster[1].Creation, long.MaxValue);
        await Worker.Answers(cluster[0], target); // The monitor behind WhenExited is in place.
        Assert.False(exited.IsCompleted);

        cluster[0].Send(target, new Worker.ExitWith("finished"));

        Assert.Equal(ExitReason.Custom("finished"), await exited.Within("the remote process to exit"));
        Assert.Equal(ExitReason.NoProc, await cluster[0].WhenExited(gone).Within("noproc for a process that exited"));
        Assert.Equal(ExitReason.NoProc, await cluster[0].WhenExited(neverSpawned).Within("noproc for a process that never was"));
        // None of the monitors behind WhenExited is left (the node's kernel services keep monitors of their own).
        Assert.DoesNotContain(cluster[0].Distribution!.Get(cluster[1].Node).Monitors.Values, m => m.Target == target || m.Target == gone || m.Target == neverSpawned);
    }
}

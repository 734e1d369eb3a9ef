namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// <c>exit(Pid, Reason)</c> to a process on another node, with Erlang's rules: a process that traps exits gets an
/// <see cref="Exit"/> from the sender; one that does not ends with the reason; <c>normal</c> is ignored unless the
/// target traps exits.
/// </summary>
/// <remarks>
/// An exit signal is applied on the target's node as it arrives, before the next frame from the sender's node is
/// read: a ping sent after it and answered proves the target survived it.
/// </remarks>
public sealed class RemoteExitSignalTests
{
    [Fact]
    public async Task An_exit_signal_with_a_custom_reason_reaches_a_trapping_process_on_another_node_as_Exit_from_the_sender()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var target = await Probe.SpawnTrappingExits(cluster[1]);
        var sender = Probe.Spawn(cluster[0]);

        await sender.Run(ctx => ctx.Exit(target.Pid, ExitReason.Custom("please stop")));
        cluster[0].Exit(target.Pid, ExitReason.ShutdownWith("from outside"));

        Assert.Equal(new Exit(sender.Pid, ExitReason.Custom("please stop")), await target.Expect<Exit>());
        Assert.Equal(new Exit(cluster[0].SystemPid, ExitReason.ShutdownWith("from outside")), await target.Expect<Exit>());
        Assert.NotNull(cluster[1].GetProcessInfo(target.Pid));
    }

    [Fact]
    public async Task An_exit_signal_ends_a_non_trapping_process_on_another_node_with_its_reason()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var target = Worker.Spawn(cluster[1]);
        var exited = cluster[1].WhenExited(target);
        var sender = Probe.Spawn(cluster[0]);

        await sender.Run(ctx => ctx.Exit(target, ExitReason.Custom("please stop")));

        Assert.Equal(ExitReason.Custom("please stop"), await exited.Within("the target to exit"));
        Assert.NotNull(cluster[0].GetProcessInfo(sender.Pid)); // Exit/2 is one-way: the sender is not linked.
    }

    [Fact]
    public async Task An_exit_signal_normal_is_ignored_by_a_non_trapping_process_and_delivered_to_a_trapping_one()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var probe = Probe.Spawn(cluster[0]);
        var nonTrapping = Worker.Spawn(cluster[1]);
        var trapping = await Probe.SpawnTrappingExits(cluster[1]);

        cluster[0].Exit(nonTrapping, ExitReason.Normal);
        cluster[0].Exit(trapping.Pid, ExitReason.Normal);

        cluster[0].Send(nonTrapping, new Worker.Ping(probe.Pid));
        Assert.Equal(new Worker.Pong(nonTrapping), await probe.Expect<Worker.Pong>());
        Assert.Equal(new Exit(cluster[0].SystemPid, ExitReason.Normal), await trapping.Expect<Exit>());
    }
}

namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// Links between processes on different nodes follow Erlang's rules as they do on one node: bidirectional; an exit
/// other than <c>normal</c> ends a linked process that does not trap exits with the same reason and reaches one that
/// does as an <see cref="Exit"/>; <c>kill</c> arrives as <c>killed</c>; nothing comes through a removed link; linking to
/// a process that does not exist gives <c>noproc</c>.
/// </summary>
public sealed class RemoteLinkTests
{
    public sealed record Linked(Pid Pid);

    /// <summary>Spawns a process on <paramref name="node"/> that links to <paramref name="target"/>, tells <paramref name="probe"/>, and waits.</summary>
    private static async Task<Pid> SpawnLinkedTo(IProcessGrid node, Pid target, Probe probe)
    {
        var pid = node.Spawn(async ctx =>
        {
            ctx.Link(target);
            ctx.Send(probe.Pid, new Linked(ctx.Self));
            await Worker.Run(ctx);
        });
        await probe.Expect<Linked>(m => m.Pid == pid);
        return pid;
    }

    [Fact]
    public async Task A_crash_on_one_node_reaches_a_trapping_linked_process_on_the_other_as_Exit_and_ends_a_non_trapping_one_with_the_same_reason()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var trapping = await Probe.SpawnTrappingExits(cluster[0]);
        var worker = Worker.Spawn(cluster[1]);
        await trapping.Run(ctx => ctx.Link(worker));
        var nonTrapping = await SpawnLinkedTo(cluster[0], worker, trapping);
        var ended = cluster[0].WhenExited(nonTrapping);

        cluster[0].Send(worker, new Worker.Crash());

        Assert.Equal(new Exit(worker, Worker.CrashReason), await trapping.Expect<Exit>());
        Assert.Equal(Worker.CrashReason, await ended.Within("the linked process to exit"));
    }

    [Fact]
    public async Task Links_across_nodes_are_bidirectional()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var probe = Probe.Spawn(cluster[0]);

        // Linked from the first node; the linking side crashes, the far side ends.
        var far = Worker.Spawn(cluster[1]);
        var linker = await SpawnLinkedTo(cluster[0], far, probe);
        var farEnded = cluster[1].WhenExited(far);
        cluster[0].Send(linker, new Worker.Crash());
        Assert.Equal(Worker.CrashReason, await farEnded.Within("the far process to exit"));

        // Linked from the second node; the linked side on the first node crashes, the linking side ends.
        var near = Worker.Spawn(cluster[0]);
        var farLinker = Worker.Spawn(cluster[1]);
        cluster[0].Send(farLinker, new Worker.LinkTo(near));
        await Worker.Answers(cluster[0], farLinker);
        Assert.Contains(farLinker, cluster[0].GetProcessInfo(near)!.Links);
        var farLinkerEnded = cluster[1].WhenExited(farLinker);
        cluster[0].Send(near, new Worker.Crash());
        Assert.Equal(Worker.CrashReason, await farLinkerEnded.Within("the far linking process to exit"));
    }

    [Fact]
    public async Task A_normal_exit_on_one_node_does_not_end_a_linked_process_on_the_other()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var probe = Probe.Spawn(cluster[0]);

        // Far side exits normally; the near side survives.
        var far = Worker.Spawn(cluster[1]);
        var near = await SpawnLinkedTo(cluster[0], far, probe);
        var monitor = await probe.Run(ctx => ctx.Monitor(far));
        cluster[0].Send(far, new Worker.Stop());
        // The Down follows the exit signal on the same connection, and signals are applied as they arrive.
        Assert.Equal(new Down(monitor, far, ExitReason.Normal), await probe.Expect<Down>());
        await Worker.Answers(cluster[0], near);
        Assert.DoesNotContain(far, cluster[0].GetProcessInfo(near)!.Links);

        // Near side exits normally; the far side survives.
        var farLinked = Worker.Spawn(cluster[1]);
        var leaver = await SpawnLinkedTo(cluster[0], farLinked, probe);
        var left = cluster[0].WhenExited(leaver);
        cluster[0].Send(leaver, new Worker.Stop());
        Assert.Equal(ExitReason.Normal, await left.Within("the near process to exit"));
        await Worker.Answers(cluster[0], farLinked); // Sent after the exit signal, on the same connection.
        Assert.DoesNotContain(leaver, cluster[1].GetProcessInfo(farLinked)!.Links);
    }

    [Fact]
    public async Task Kill_sent_to_a_process_on_another_node_ends_it_even_when_it_traps_exits_and_its_links_see_killed()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var watcher = await Probe.SpawnTrappingExits(cluster[0]);
        var target = await Probe.SpawnTrappingExits(cluster[1]);
        await watcher.Run(ctx => ctx.Link(target.Pid));
        var ended = cluster[1].WhenExited(target.Pid);

        cluster[0].Exit(target.Pid, ExitReason.Kill);

        Assert.Equal(ExitReason.Killed, await ended.Within("the target to be killed"));
        Assert.Equal(new Exit(target.Pid, ExitReason.Killed), await watcher.Expect<Exit>());
        Assert.Empty(target.Unexpected); // It trapped exits, yet got no Exit message: kill cannot be trapped.
    }

    [Fact]
    public async Task After_unlink_no_exit_signal_crosses_either_way()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var watcher = await Probe.SpawnTrappingExits(cluster[0]);

        // The near side unlinks, then the far side crashes: only the Down of a monitor taken afterwards arrives, and
        // any exit signal from the crash would have come before it on the same connection.
        var far = Worker.Spawn(cluster[1]);
        await watcher.Run(ctx => ctx.Link(far));
        var monitor = await watcher.Run(ctx =>
        {
            ctx.Unlink(far);
            return ctx.Monitor(far);
        });
        await Worker.Answers(cluster[0], far); // The unlink has reached the far node.
        Assert.DoesNotContain(watcher.Pid, cluster[1].GetProcessInfo(far)!.Links);
        cluster[0].Send(far, new Worker.Crash());
        await watcher.ExpectOnly(new Down(monitor, far, Worker.CrashReason));

        // The near side unlinks, then crashes: the far side carries on.
        var probe = Probe.Spawn(cluster[0]);
        var farSurvivor = Worker.Spawn(cluster[1]);
        var stillLinked = await SpawnLinkedTo(cluster[0], farSurvivor, probe);
        var nearProcess = cluster[0].Spawn(async ctx =>
        {
            ctx.Link(farSurvivor);
            ctx.Unlink(farSurvivor);
            throw new InvalidOperationException("crash after unlink");
        });
        Assert.Equal("crash after unlink", (await cluster[0].WhenExited(nearProcess).Within("the near process to crash")).Detail);
        await Worker.Answers(cluster[0], farSurvivor);
        Assert.Equal([stillLinked], cluster[1].GetProcessInfo(farSurvivor)!.Links);
    }

    [Fact]
    public async Task Linking_to_a_process_of_another_node_that_does_not_exist_gives_Exit_noproc_to_a_trapping_process()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var linker = await Probe.SpawnTrappingExits(cluster[0]);
        var gone = await cluster[1].DeadProcess();
        var neverSpawned = Pid.ForSpawned(cluster[1].Node, cluster[1].Creation, long.MaxValue);
        var earlierRun = Pid.ForSpawned(cluster[1].Node, cluster[1].Creation - 1, linker.Pid.Id);

        foreach (var pid in new[] { gone, neverSpawned, earlierRun })
        {
            await linker.Run(ctx => ctx.Link(pid));
            Assert.Equal(new Exit(pid, ExitReason.NoProc), await linker.Expect<Exit>());
            Assert.DoesNotContain(pid, cluster[0].GetProcessInfo(linker.Pid)!.Links);
        }
    }

    [Fact]
    public async Task Linking_to_a_process_of_another_node_that_does_not_exist_ends_a_non_trapping_process_with_noproc()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var gone = await cluster[1].DeadProcess();
        var linker = cluster[0].Spawn(async ctx =>
        {
            ctx.Link(gone);
            await ctx.Receive<Guid>();
        });

        Assert.Equal(ExitReason.NoProc, await cluster[0].WhenExited(linker).Within("the linking process to exit"));
    }
}

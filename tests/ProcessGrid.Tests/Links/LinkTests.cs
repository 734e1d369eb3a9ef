namespace ProcessGrid.Tests.Links;

/// <summary>
/// Links, with Erlang's rules: bidirectional; an exit other than <c>normal</c> travels along them and ends processes that
/// do not trap exits with the same reason; <c>killed</c> is what links of a killed process see; a process that traps
/// exits gets <see cref="Exit"/> messages instead of dying.
/// </summary>
public sealed class LinkTests
{
    /// <summary>Waits for "crash" and throws; answers pings (a Pid to reply to) meanwhile.</summary>
    private static async Task CrashOnRequest(IProcessContext ctx)
    {
        while (true)
        {
            var message = await ctx.Receive();
            switch (message)
            {
                case "crash":
                    throw new InvalidOperationException("crash on request");
                case Pid replyTo:
                    ctx.Send(replyTo, ("pong", ctx.Self));
                    break;
            }
        }
    }

    /// <summary>Pings <paramref name="pid"/> and waits for its answer, which a process that has exited never gives.</summary>
    private static async Task AssertAnswers(IProcessGrid node, Probe probe, Pid pid)
    {
        node.Send(pid, probe.Pid);
        Assert.Equal(("pong", pid), await probe.Expect<(string, Pid)>(p => p.Item2 == pid));
    }

    [Fact]
    public async Task A_crash_propagates_along_a_chain_of_links_with_the_same_reason()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        // first - second - third - fourth, each linked to the next by spawn_link.
        var first = node.Spawn(async ctx =>
        {
            var second = ctx.SpawnLink(async inSecond =>
            {
                var third = inSecond.SpawnLink(async inThird =>
                {
                    var fourth = inThird.SpawnLink(CrashOnRequest);
                    inThird.Send(probe.Pid, ("fourth", fourth));
                    await inThird.Receive<Guid>();
                });
                inSecond.Send(probe.Pid, ("third", third));
                await inSecond.Receive<Guid>();
            });
            ctx.Send(probe.Pid, ("second", second));
            await ctx.Receive<Guid>();
        });
        var second = (await probe.Expect<(string, Pid)>(m => m.Item1 == "second")).Item2;
        var third = (await probe.Expect<(string, Pid)>(m => m.Item1 == "third")).Item2;
        var fourth = (await probe.Expect<(string, Pid)>(m => m.Item1 == "fourth")).Item2;
        var exits = new[] { first, second, third, fourth }.Select(node.WhenExited).ToArray();

        node.Send(fourth, "crash");

        var reasons = await Task.WhenAll(exits).Within("the whole chain to exit");
        Assert.All(reasons, reason =>
        {
            Assert.Equal(ExitReasonKind.Exception, reason.Kind);
            Assert.Equal("crash on request", reason.Detail);
        });
    }

    [Fact]
    public async Task Links_are_bidirectional()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        // linker links to linked; the crash of either ends the other.
        var pair = await LinkPair(node, probe);
        var linkedExit = node.WhenExited(pair.Linked);
        node.Send(pair.Linker, "crash");
        Assert.Equal("crash on request", (await linkedExit.Within("the linked process to exit")).Detail);

        var pair2 = await LinkPair(node, probe);
        var linkerExit = node.WhenExited(pair2.Linker);
        node.Send(pair2.Linked, "crash");
        Assert.Equal("crash on request", (await linkerExit.Within("the linking process to exit")).Detail);
    }

    /// <summary>Spawns two processes, the first linked to the second by its own <c>Link</c> call.</summary>
    private static async Task<(Pid Linker, Pid Linked)> LinkPair(IProcessGrid node, Probe probe)
    {
        var linked = node.Spawn(CrashOnRequest);
        var linker = node.Spawn(async ctx =>
        {
            ctx.Link(linked);
            ctx.Send(probe.Pid, ("linked", ctx.Self));
            await CrashOnRequest(ctx);
        });
        await probe.Expect<(string, Pid)>(m => m == ("linked", linker));
        Assert.Contains(linker, node.GetProcessInfo(linked)!.Links);
        return (linker, linked);
    }

    [Fact]
    public async Task A_normal_exit_does_not_end_a_linked_process()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var survivor = node.Spawn(CrashOnRequest);
        var leaver = node.Spawn(async ctx =>
        {
            ctx.Link(survivor);
            await ctx.Receive<string>(m => m == "leave");
        });
        await TestNode.Eventually(() => node.GetProcessInfo(survivor)!.Links.Contains(leaver), "the link to exist");
        var left = node.WhenExited(leaver);

        node.Send(leaver, "leave");

        Assert.Equal(ExitReason.Normal, await left.Within("the leaver to exit"));
        await AssertAnswers(node, probe, survivor);
        Assert.Empty(node.GetProcessInfo(survivor)!.Links);
    }

    [Fact]
    public async Task A_process_trapping_exits_gets_Exit_messages_instead_of_dying_normal_included()
    {
        await using var node = TestNode.Start();
        var probe = await Probe.SpawnTrappingExits(node);
        var leaver = node.Spawn(async ctx =>
        {
            ctx.Link(probe.Pid);
            await ctx.Receive<string>(m => m == "leave");
        });
        var crasher = node.Spawn(async ctx =>
        {
            ctx.Link(probe.Pid);
            await CrashOnRequest(ctx);
        });
        await TestNode.Eventually(() => node.GetProcessInfo(probe.Pid)!.Links.Count == 2, "both links to exist");

        node.Send(leaver, "leave");
        Assert.Equal(new Exit(leaver, ExitReason.Normal), await probe.Expect<Exit>());
        node.Send(crasher, "crash");
        var exit = await probe.Expect<Exit>();

        Assert.Equal(crasher, exit.From);
        Assert.Equal("crash on request", exit.Reason.Detail);
        Assert.NotNull(node.GetProcessInfo(probe.Pid));
    }

    [Fact]
    public async Task Messages_a_linked_process_sent_before_it_exited_arrive_before_its_Exit()
    {
        await using var node = TestNode.Start();
        var probe = await Probe.SpawnTrappingExits(node);
        var sender = node.Spawn(async ctx =>
        {
            ctx.Link(probe.Pid);
            await ctx.Receive<string>(m => m == "go");
            for (var i = 0; i < 100; i++)
            {
                ctx.Send(probe.Pid, i);
            }
            throw new InvalidOperationException("last words sent");
        });
        await TestNode.Eventually(() => node.GetProcessInfo(probe.Pid)!.Links.Contains(sender), "the link to exist");

        node.Send(sender, "go");

        for (var i = 0; i < 100; i++)
        {
            await probe.ExpectNext(i);
        }
        Assert.Equal(sender, (await probe.Expect<Exit>()).From);
    }

    [Fact]
    public async Task Kill_cannot_be_trapped_and_reaches_links_as_killed()
    {
        await using var node = TestNode.Start();
        var watcher = await Probe.SpawnTrappingExits(node);
        var victim = await Probe.SpawnTrappingExits(node);
        var bystander = node.Spawn(CrashOnRequest);
        await victim.Run(ctx => ctx.Link(watcher.Pid));
        await victim.Run(ctx => ctx.Link(bystander));
        var victimExit = node.WhenExited(victim.Pid);
        var bystanderExit = node.WhenExited(bystander);

        node.Exit(victim.Pid, ExitReason.Kill);

        Assert.Equal(ExitReason.Killed, await victimExit.Within("the victim to exit"));
        Assert.Equal(new Exit(victim.Pid, ExitReason.Killed), await watcher.Expect<Exit>());
        Assert.Equal(ExitReason.Killed, await bystanderExit.Within("the linked bystander to exit"));
    }

    [Fact]
    public async Task An_exit_with_reason_kill_through_a_link_is_trappable()
    {
        await using var node = TestNode.Start();
        var watcher = await Probe.SpawnTrappingExits(node);
        var quitter = node.Spawn(async ctx =>
        {
            ctx.Link(watcher.Pid);
            await ctx.Receive<string>(m => m == "quit");
            ctx.Exit(ExitReason.Kill); // Exits with reason kill itself: only a direct exit(Pid, kill) is untrappable.
        });
        await TestNode.Eventually(() => node.GetProcessInfo(watcher.Pid)!.Links.Contains(quitter), "the link to exist");

        node.Send(quitter, "quit");

        Assert.Equal(new Exit(quitter, ExitReason.Kill), await watcher.Expect<Exit>());
        Assert.NotNull(node.GetProcessInfo(watcher.Pid));
    }

    [Fact]
    public async Task Linking_to_a_dead_pid_gives_a_trapping_process_Exit_with_noproc()
    {
        await using var node = TestNode.Start();
        var probe = await Probe.SpawnTrappingExits(node);
        var dead = await node.DeadProcess();

        await probe.Run(ctx => ctx.Link(dead));

        Assert.Equal(new Exit(dead, ExitReason.NoProc), await probe.Expect<Exit>());
        Assert.Empty(node.GetProcessInfo(probe.Pid)!.Links);
    }

    [Fact]
    public async Task Linking_to_a_dead_pid_ends_a_process_that_does_not_trap_exits_with_noproc()
    {
        await using var node = TestNode.Start();
        var dead = await node.DeadProcess();
        var linker = node.Spawn(async ctx =>
        {
            await ctx.Receive<string>(m => m == "link");
            ctx.Link(dead);
            await ctx.Receive<Guid>();
        });
        var exited = node.WhenExited(linker);

        node.Send(linker, "link");

        Assert.Equal(ExitReason.NoProc, await exited.Within("the linker to exit"));
    }

    [Fact]
    public async Task After_unlink_no_exit_signal_arrives_through_the_removed_link()
    {
        await using var node = TestNode.Start();
        var probe = await Probe.SpawnTrappingExits(node);
        var other = node.Spawn(CrashOnRequest);
        await probe.Run(ctx => ctx.Link(other));
        Assert.Contains(probe.Pid, node.GetProcessInfo(other)!.Links);

        await probe.Run(ctx => ctx.Unlink(other));

        Assert.Empty(node.GetProcessInfo(other)!.Links);
        Assert.Empty(node.GetProcessInfo(probe.Pid)!.Links);
        // An exit signal from outside ends the other process on this thread, so any exit signal it sends through
        // links has been delivered before the marker below is sent.
        node.Exit(other, ExitReason.Custom("gone"));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task Unlink_by_the_other_side_removes_the_link_for_both()
    {
        await using var node = TestNode.Start();
        var probe = await Probe.SpawnTrappingExits(node);
        var other = Probe.Spawn(node);
        await probe.Run(ctx => ctx.Link(other.Pid));

        await other.Run(ctx => ctx.Unlink(probe.Pid));

        Assert.Empty(node.GetProcessInfo(probe.Pid)!.Links);
        node.Exit(other.Pid, ExitReason.Custom("gone"));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }
}

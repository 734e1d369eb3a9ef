namespace ProcessGrid.Tests.ExitSignals;

/// <summary>
/// <c>exit(Pid, Reason)</c> sent by one process to another (or from outside any process), and <c>exit(Reason)</c>:
/// Erlang's rules for which signals end the target, which it can trap, and which it ignores.
/// </summary>
public sealed class ExitSignalTests
{
    /// <summary>A process that answers pings (a Pid to reply to) until something ends it.</summary>
    private static async Task Pingable(IProcessContext ctx)
    {
        while (true)
        {
            ctx.Send(await ctx.Receive<Pid>(), ("pong", ctx.Self));
        }
    }

    /// <summary>Spawns a process that sends <paramref name="reason"/> to <paramref name="target"/> as an exit signal.</summary>
    private static Pid SendExitFromProcess(IProcessGrid node, Pid target, ExitReason reason) => node.Spawn(async ctx =>
    {
        ctx.Exit(target, reason);
        await ctx.Receive<Guid>(); // Stays alive: the signal, not the sender's exit, is under test.
    });

    [Fact]
    public async Task Exit_with_normal_from_another_process_is_ignored_by_a_process_that_does_not_trap_exits()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var target = node.Spawn(Pingable);

        var sender = SendExitFromProcess(node, target, ExitReason.Normal);
        await node.UntilWaiting(sender); // It has sent the signal.

        node.Send(target, probe.Pid);
        Assert.Equal(("pong", target), await probe.Expect<(string, Pid)>());
        node.Exit(target, ExitReason.Normal); // From outside too.
        node.Send(target, probe.Pid);
        Assert.Equal(("pong", target), await probe.Expect<(string, Pid)>());
    }

    [Fact]
    public async Task Exit_with_normal_reaches_a_trapping_process_as_an_Exit_message()
    {
        await using var node = TestNode.Start();
        var probe = await Probe.SpawnTrappingExits(node);

        var sender = SendExitFromProcess(node, probe.Pid, ExitReason.Normal);

        Assert.Equal(new Exit(sender, ExitReason.Normal), await probe.Expect<Exit>());
    }

    [Fact]
    public async Task Exit_of_self_with_normal_ends_the_caller()
    {
        await using var node = TestNode.Start();
        var pid = node.Spawn(async ctx =>
        {
            await ctx.Receive<string>(m => m == "go");
            ctx.Exit(ctx.Self, ExitReason.Normal);
            await ctx.Receive<Guid>(); // Never reached: only the signal can end this process normally.
        });
        var exited = node.WhenExited(pid);

        node.Send(pid, "go");

        Assert.Equal(ExitReason.Normal, await exited.Within("the process to exit"));
    }

    [Fact]
    public async Task Exit_with_any_other_reason_ends_a_process_that_does_not_trap_exits_with_that_reason()
    {
        await using var node = TestNode.Start();
        var fromProcess = node.Spawn(Pingable);
        var fromOutside = node.Spawn(Pingable);
        var exits = (node.WhenExited(fromProcess), node.WhenExited(fromOutside));

        SendExitFromProcess(node, fromProcess, ExitReason.Custom("told to go"));
        node.Exit(fromOutside, ExitReason.Shutdown);

        Assert.Equal(ExitReason.Custom("told to go"), await exits.Item1.Within("the first target to exit"));
        Assert.Equal(ExitReason.Shutdown, await exits.Item2.Within("the second target to exit"));
    }

    [Fact]
    public async Task Exit_to_a_trapping_process_becomes_an_Exit_message_from_the_sender()
    {
        await using var node = TestNode.Start();
        var probe = await Probe.SpawnTrappingExits(node);

        var sender = SendExitFromProcess(node, probe.Pid, ExitReason.Custom("just saying"));
        Assert.Equal(new Exit(sender, ExitReason.Custom("just saying")), await probe.Expect<Exit>());

        // From outside any process the signal comes from the node itself.
        node.Exit(probe.Pid, ExitReason.Custom("from outside"));
        Assert.Equal(new Exit(node.SystemPid, ExitReason.Custom("from outside")), await probe.Expect<Exit>());
        Assert.NotNull(node.GetProcessInfo(probe.Pid));
    }

    [Fact]
    public async Task Exit_with_kill_ends_even_a_trapping_process_with_killed()
    {
        await using var node = TestNode.Start();
        var target = await Probe.SpawnTrappingExits(node);
        var exited = node.WhenExited(target.Pid);

        SendExitFromProcess(node, target.Pid, ExitReason.Kill);

        Assert.Equal(ExitReason.Killed, await exited.Within("the target to exit"));
    }

    [Fact]
    public async Task Exit_of_self_with_a_reason_ends_the_process_with_that_reason()
    {
        await using var node = TestNode.Start();
        var pid = node.Spawn(async ctx =>
        {
            await ctx.Receive<string>(m => m == "go");
            ctx.Exit(ExitReason.ShutdownWith("done here"));
        });
        var exited = node.WhenExited(pid);

        node.Send(pid, "go");

        Assert.Equal(ExitReason.ShutdownWith("done here"), await exited.Within("the process to exit"));
    }

    [Fact]
    public async Task Exit_to_a_dead_pid_does_nothing()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var dead = await node.DeadProcess();

        node.Exit(dead, ExitReason.Kill);
        await probe.Run(ctx => ctx.Exit(dead, ExitReason.Custom("late")));

        Assert.NotNull(node.GetProcessInfo(probe.Pid));
    }
}

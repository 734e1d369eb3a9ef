namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// The process cluster tests put on the far node: it does what it is told, one order at a time, so that a test on
/// one node decides when and in which order a process on another node sends, crashes or exits. Its orders are plain
/// records, so they cross nodes like any message.
/// </summary>
public static class Worker
{
    /// <summary>The message of the exception a worker throws on <see cref="Crash"/>.</summary>
    public const string CrashMessage = "crash on request";

    /// <summary>The exit reason of a worker that crashed on request.</summary>
    public static ExitReason CrashReason { get; } = ExitReason.FromException(typeof(InvalidOperationException).FullName!, CrashMessage);

    /// <summary>Send <paramref name="Message"/> to <paramref name="To"/>.</summary>
    public sealed record Tell(Pid To, object Message);

    /// <summary>Answer with <see cref="Pong"/> (proves the worker is alive and has handled everything sent before).</summary>
    public sealed record Ping(Pid ReplyTo);

    /// <summary>The answer to <see cref="Ping"/>.</summary>
    public sealed record Pong(Pid From);

    /// <summary>Throw <see cref="InvalidOperationException"/> with <see cref="CrashMessage"/>.</summary>
    public sealed record Crash;

    /// <summary>Exit with the custom reason <paramref name="Reason"/>.</summary>
    public sealed record ExitWith(string Reason);

    /// <summary>Return: exit <c>normal</c>.</summary>
    public sealed record Stop;

    /// <summary>Link to <paramref name="Pid"/> (from the worker's side).</summary>
    public sealed record LinkTo(Pid Pid);

    /// <summary>Spawns a worker on <paramref name="node"/>.</summary>
    public static Pid Spawn(IProcessGrid node) => node.Spawn(Run);

    /// <summary>
    /// Pings <paramref name="worker"/> from a probe on <paramref name="from"/> and waits for the answer: the worker is
    /// alive, and whatever <paramref name="from"/> sent it before (and the signals that travelled ahead on the same
    /// connection) has been handled.
    /// </summary>
    public static async Task Answers(IProcessGrid from, Pid worker)
    {
        var probe = Probe.Spawn(from);
        from.Send(worker, new Ping(probe.Pid));
        Assert.Equal(new Pong(worker), await probe.Expect<Pong>());
    }

    /// <summary>The worker's code.</summary>
    public static async Task Run(IProcessContext ctx)
    {
        while (true)
        {
            switch (await ctx.Receive())
            {
                case Tell tell:
                    ctx.Send(tell.To, tell.Message);
                    break;
                case Ping ping:
                    ctx.Send(ping.ReplyTo, new Pong(ctx.Self));
                    break;
                case LinkTo link:
                    ctx.Link(link.Pid);
                    break;
                case Crash:
                    throw new InvalidOperationException(CrashMessage);
                case ExitWith exit:
                    ctx.Exit(ExitReason.Custom(exit.Reason));
                    break;
                case Stop:
                    return;
            }
        }
    }
}

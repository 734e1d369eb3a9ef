namespace ProcessGrid.Tests.Infrastructure;

/// <summary>
/// A process whose inbox test code can await: everything sent to <see cref="Pid"/> is collected, and
/// <see cref="Expect{T}"/> waits (with a deadline, never a sleep) for the first message of a type, keeping the others
/// in arrival order, like a selective receive. <see cref="Run{T}"/> performs an operation as the probe's process
/// (link, monitor, exit...), so the probe can be the process a rule is about.
/// </summary>
public sealed class Probe
{
    private readonly Inbox _inbox = new();

    private Probe(IProcessGrid grid)
    {
        Grid = grid;
        Pid = grid.Spawn(async ctx =>
        {
            while (true)
            {
                var message = await ctx.Receive();
                if (message is Command command)
                {
                    command.RunIn(ctx);
                    continue;
                }
                _inbox.Post(message);
                if (message is Exit { Reason.Kind: ExitReasonKind.Shutdown } exit && exit.From == SystemPidOf(grid))
                {
                    return; // A trapping probe still stops when its node shuts down (rather than holding up the stop).
                }
            }
        });
        _inbox.Name = $"probe {Pid}";
    }

    /// <summary>The pid that sends a node's (or a client's) shutdown signal to its processes.</summary>
    private static Pid? SystemPidOf(IProcessGrid grid) => grid switch
    {
        ProcessNode node => node.SystemPid,
        ProcessGrid.Client.GridClient client => client.InnerNode.SystemPid,
        _ => null,
    };

    /// <summary>The probe's process.</summary>
    public Pid Pid { get; }

    /// <summary>The node it runs on.</summary>
    public IProcessGrid Grid { get; }

    /// <summary>Spawns a probe.</summary>
    public static Probe Spawn(IProcessGrid grid) => new(grid);

    /// <summary>Spawns a probe on <paramref name="node"/> that hears of every node going up or down (<c>monitor_nodes</c>).</summary>
    public static Probe WatchNodes(IProcessGrid node)
    {
        var probe = new Probe(node);
        node.MonitorNodes(probe.Pid);
        return probe;
    }

    /// <summary>
    /// Spawns a probe that traps exits: it turns exit signals into <see cref="Exit"/> messages instead of dying. Returns
    /// once the flag is set, so that every signal sent afterwards finds it set.
    /// </summary>
    public static async Task<Probe> SpawnTrappingExits(IProcessGrid grid)
    {
        var probe = new Probe(grid);
        await probe.Run(ctx => ctx.TrapExit = true);
        return probe;
    }

    /// <summary>The default time a probe waits for an expected message.</summary>
    public static TimeSpan DefaultWait => TimeSpan.FromSeconds(10);

    /// <summary>
    /// Waits for the first message of type <typeparamref name="T"/> that <paramref name="match"/> accepts. Messages that
    /// do not match stay for later expectations. Fails with the messages seen if none arrives within <paramref name="within"/>.
    /// </summary>
    public Task<T> Expect<T>(Func<T, bool>? match = null, TimeSpan? within = null) => _inbox.Expect(match, within);

    /// <summary>Waits for the next message, whatever it is, and checks that it is <paramref name="expected"/>.</summary>
    public Task ExpectNext(object expected, TimeSpan? within = null) => _inbox.ExpectNext(expected, within);

    /// <summary>
    /// Asserts that nothing but <paramref name="marker"/> arrives before <paramref name="marker"/> itself: send the
    /// marker after the event under test from a sender whose order relative to it is guaranteed, and this proves
    /// causally (without waiting for time to pass) that the event produced no message.
    /// </summary>
    public Task ExpectOnly(object marker, TimeSpan? within = null) => _inbox.ExpectOnly(marker, within);

    /// <summary>The messages received but not yet expected.</summary>
    public IReadOnlyList<object> Unexpected => _inbox.Unexpected;

    /// <summary>Runs <paramref name="action"/> as the probe's process (in its turn, after the messages sent before) and returns its result.</summary>
    public Task<T> Run<T>(Func<IProcessContext, T> action)
    {
        var command = new Command<T>(action);
        Grid.Send(Pid, command);
        return command.Result.Within($"probe {Pid} to run a command");
    }

    /// <summary>Runs <paramref name="action"/> as the probe's process and waits until it has run.</summary>
    public Task Run(Action<IProcessContext> action) => Run(ctx =>
    {
        action(ctx);
        return true;
    });

    private abstract class Command
    {
        public abstract void RunIn(IProcessContext ctx);
    }

    private sealed class Command<T>(Func<IProcessContext, T> action) : Command
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Result => _result.Task;

        public override void RunIn(IProcessContext ctx)
        {
            try
            {
                _result.SetResult(action(ctx));
            }
            catch (Exception e)
            {
                _result.SetException(e);
                throw; // The probe's process fails as the action would have made it fail.
            }
        }
    }
}

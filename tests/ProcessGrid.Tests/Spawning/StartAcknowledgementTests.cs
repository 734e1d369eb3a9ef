using Microsoft.Extensions.DependencyInjection;

namespace ProcessGrid.Tests.Spawning;

/// <summary>
/// StartAsync / StartLinkAsync return when the new process is ready (Erlang's proc_lib:init_ack), and fail when it
/// exits first, whatever ends it.
/// </summary>
public sealed class StartAcknowledgementTests
{
    /// <summary>Sets up to trap exits, then serves: its setup must have run when its start returns.</summary>
    private sealed class TrappingWorker(Inbox events) : GridProcess
    {
        protected override async Task RunAsync(IProcessContext ctx)
        {
            ctx.TrapExit = true;
            while (true)
            {
                events.Post(await ctx.Receive());
            }
        }
    }

    private sealed class FailsDuringSetup : GridProcess
    {
        protected override Task RunAsync(IProcessContext ctx) => throw new InvalidOperationException("setup failed");
    }

    /// <summary>Initializes until the test says so.</summary>
    private sealed class SlowInit(TaskCompletionSource gate) : GenServer
    {
        protected override async ValueTask InitAsync() => await gate.Task;
    }

    [Fact]
    public async Task A_GridProcess_start_returns_after_its_setup_so_a_shutdown_right_after_is_trapped()
    {
        var events = new Inbox();
        await using var node = TestNode.Start(services: TestNode.Services(s => s.AddSingleton(events)));

        var worker = await node.StartAsync<TrappingWorker>();
        node.Exit(worker, ExitReason.Shutdown);

        var exit = await events.Expect<Exit>();
        Assert.Equal(ExitReason.Shutdown, exit.Reason);
        Assert.NotNull(node.GetProcessInfo(worker));
        node.Exit(worker, ExitReason.Kill); // It traps shutdown, so the node's stop would wait for it.
    }

    [Fact]
    public async Task A_GridProcess_that_throws_before_it_waits_for_a_message_fails_its_start()
    {
        await using var node = TestNode.Start();

        var error = await Assert.ThrowsAsync<ProcessStartException>(async () => await node.StartAsync<FailsDuringSetup>());

        Assert.Equal(ExitReasonKind.Exception, error.Reason.Kind);
        Assert.Equal("setup failed", error.Reason.Detail);
    }

    [Fact]
    public async Task A_GridProcess_that_fails_its_start_link_does_not_kill_its_starter()
    {
        await using var node = TestNode.Start();
        var outcome = new TaskCompletionSource<string>();
        var starter = node.Spawn(async ctx =>
        {
            try
            {
                await ctx.StartLinkAsync<FailsDuringSetup>();
                outcome.SetResult("started");
            }
            catch (ProcessStartException e)
            {
                outcome.SetResult(e.Reason.Detail!);
            }
            await ctx.Receive<string>();
        });

        Assert.Equal("setup failed", await outcome.Task.Within("the start to fail"));
        Assert.NotNull(node.GetProcessInfo(starter));
        Assert.Empty(node.GetProcessInfo(starter)!.Links);
    }

    [Fact]
    public async Task A_server_killed_while_it_initializes_fails_its_start_at_once()
    {
        await using var node = TestNode.Start();
        var gate = new TaskCompletionSource();
        var start = node.StartAsync<SlowInit>(new SpawnOptions { Name = "slow" }, gate).AsTask();
        await TestNode.Eventually(() => node.Whereis("slow") is not null, "the server to be spawned");

        node.Exit(node.Whereis("slow")!, ExitReason.Kill);

        var error = await Assert.ThrowsAsync<ProcessStartException>(() => start.Within("the start to fail"));
        Assert.Equal(ExitReason.Killed, error.Reason);
        gate.SetResult(); // The init that was cut off completes now; nothing must come of it.
    }
}

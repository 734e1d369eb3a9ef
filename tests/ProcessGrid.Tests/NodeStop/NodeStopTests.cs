using Microsoft.Extensions.DependencyInjection;

namespace ProcessGrid.Tests.NodeStop;

/// <summary>
/// A graceful stop: the processes started from outside any process get <c>shutdown</c> one by one in reverse start
/// order, virtual processes are deactivated, and the node then refuses new processes.
/// </summary>
public sealed class NodeStopTests
{
    /// <summary>Traps exits, so a shutdown from its parent (the node) runs TerminateAsync; reports it with its name.</summary>
    private sealed class NamedServer(Inbox events, string name) : GenServer
    {
        protected override ValueTask InitAsync()
        {
            Context.TrapExit = true;
            return ValueTask.CompletedTask;
        }

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            events.Post((name, reason));
            return ValueTask.CompletedTask;
        }
    }

    private sealed class VirtualServer(Inbox events) : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => ValueTask.FromResult<object?>(request);

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            events.Post((Self, reason));
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task StopAsync_sends_shutdown_to_processes_started_from_outside_in_reverse_start_order()
    {
        var events = new Inbox();
        await using var node = TestNode.Start();
        foreach (var name in new[] { "first", "second", "third" })
        {
            await node.StartAsync<NamedServer>(events, name);
        }

        await node.StopAsync(TestContext.Current.CancellationToken).Within("the node to stop");

        await events.ExpectNext(("third", ExitReason.Shutdown));
        await events.ExpectNext(("second", ExitReason.Shutdown));
        await events.ExpectNext(("first", ExitReason.Shutdown));
        Assert.Empty(node.Processes());
    }

    [Fact]
    public async Task StopAsync_ends_processes_that_do_not_trap_exits_and_the_trees_below_them_with_shutdown()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var root = node.Spawn(async ctx =>
        {
            var child = ctx.SpawnLink(grandchild => grandchild.Receive<Guid>().AsTask());
            ctx.Send(probe.Pid, child);
            await ctx.Receive<Guid>();
        });
        var child = await probe.Expect<Pid>();
        var exits = (node.WhenExited(root), node.WhenExited(child));

        await node.StopAsync(TestContext.Current.CancellationToken).Within("the node to stop");

        Assert.Equal(ExitReason.Shutdown, await exits.Item1.Within("the root to exit"));
        Assert.Equal(ExitReason.Shutdown, await exits.Item2.Within("its child to exit"));
    }

    [Fact]
    public async Task StopAsync_deactivates_virtual_processes_with_TerminateAsync()
    {
        var events = new Inbox();
        await using var node = TestNode.Start(services: TestNode.Services(s => s.AddSingleton(events)));
        var alice = node.Virtual<VirtualServer>("alice");
        var bob = node.Virtual<VirtualServer>("bob");
        await node.Call<string>(alice, "hi").AsTask().Within("alice's activation");
        await node.Call<string>(bob, "hi").AsTask().Within("bob's activation");

        await node.StopAsync(TestContext.Current.CancellationToken).Within("the node to stop");

        var terminated = new[] { await events.Expect<(Pid, ExitReason)>(), await events.Expect<(Pid, ExitReason)>() };
        Assert.Contains((alice, ExitReason.Shutdown), terminated);
        Assert.Contains((bob, ExitReason.Shutdown), terminated);
        Assert.Empty(node.Processes());
    }

    [Fact]
    public async Task StopAsync_kills_a_process_that_does_not_stop_within_the_shutdown_timeout()
    {
        await using var node = TestNode.Start(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        var holdout = node.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            while (true)
            {
                await ctx.Receive(); // Ignores the shutdown signal, which arrives as a message.
            }
        });
        await node.UntilWaiting(holdout);
        var exited = node.WhenExited(holdout);

        await node.StopAsync(TestContext.Current.CancellationToken).Within("the node to stop");

        Assert.Equal(ExitReason.Killed, await exited.Within("the holdout to be killed"));
    }

    [Fact]
    public async Task After_StopAsync_the_node_refuses_new_processes()
    {
        await using var node = TestNode.Start();

        await node.StopAsync(TestContext.Current.CancellationToken).Within("the node to stop");

        Assert.Throws<InvalidOperationException>(() => node.Spawn(_ => Task.CompletedTask));
        Assert.Throws<InvalidOperationException>(() => node.Spawn<VirtualServer>(new Inbox()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.StartAsync<VirtualServer>(new Inbox()).AsTask());
    }
}

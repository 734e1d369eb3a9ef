namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// When the connection to a node is lost (here: <c>Disconnect</c>, Erlang's <c>disconnect_node</c>) or the node is
/// gone, nothing waits for a timeout: links to its processes fire with <c>noconnection</c> on both sides, monitors give
/// <see cref="Down"/> <c>noconnection</c>, pending calls fail with <c>{nodedown, Node}</c>, messages become dead letters
/// with the reason, and node monitors hear <see cref="NodeDown"/> with why.
/// </summary>
public sealed class NodeLossTests
{
    public sealed record Defer;

    public sealed record Letter(string Text);

    /// <summary>Defers every call and never answers.</summary>
    private sealed class Silent : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(NoReply);
    }

    [Fact]
    public async Task Disconnect_fires_links_both_ways_and_monitors_with_noconnection_fails_a_pending_call_with_nodedown_and_tells_node_monitors()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var watcherA = await Probe.SpawnTrappingExits(a);
        var watcherB = await Probe.SpawnTrappingExits(b);
        await watcherA.Run(ctx => ctx.MonitorNodes());
        await watcherB.Run(ctx => ctx.MonitorNodes());
        var onB = Worker.Spawn(b);
        var onA = Worker.Spawn(a);
        await watcherA.Run(ctx => ctx.Link(onB));
        var monitor = await watcherA.Run(ctx => ctx.Monitor(onB));
        await watcherB.Run(ctx => ctx.Link(onA));
        await Worker.Answers(a, onB); // Link and monitor are in place on the second node...
        await Worker.Answers(b, onA); // ...and the other link on the first.
        var onBEnded = b.WhenExited(onB);
        var onAEnded = a.WhenExited(onA);
        var silent = await b.StartAsync<Silent>();
        var pending = a.Call<int>(silent, new Defer(), Timeout.InfiniteTimeSpan).AsTask();

        Assert.True(a.Disconnect(b.Node));

        var failure = await Assert.ThrowsAsync<CallException>(() => pending).Within("the pending call to fail");
        Assert.Equal(ExitReason.NodeDown(b.Node), failure.Reason);
        Assert.Equal(new Exit(onB, ExitReason.NoConnection), await watcherA.Expect<Exit>());
        Assert.Equal(new Down(monitor, onB, ExitReason.NoConnection), await watcherA.Expect<Down>());
        Assert.Equal(new NodeDown(b.Node, NodeDownReason.Disconnected), await watcherA.Expect<NodeDown>());
        Assert.Equal(new Exit(onA, ExitReason.NoConnection), await watcherB.Expect<Exit>());
        Assert.Equal(new NodeDown(a.Node, NodeDownReason.ConnectionLost), await watcherB.Expect<NodeDown>());
        // The far ends of the links, which do not trap exits, ended with noconnection too.
        Assert.Equal(ExitReason.NoConnection, await onBEnded.Within("the far linked process to end"));
        Assert.Equal(ExitReason.NoConnection, await onAEnded.Within("the near linked process to end"));
        Assert.Empty(a.Distribution!.Get(b.Node).PendingCalls);
    }

    [Fact]
    public async Task After_Disconnect_the_next_message_connects_again_and_is_delivered()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var nodes = Probe.Spawn(a);
        a.MonitorNodes(nodes.Pid);
        var receiver = Probe.Spawn(b);
        var sender = Probe.Spawn(a);

        Assert.True(a.Disconnect(b.Node));
        Assert.Equal(new NodeDown(b.Node, NodeDownReason.Disconnected), await nodes.Expect<NodeDown>());
        await sender.Run(ctx =>
        {
            for (var n = 0; n < 100; n++)
            {
                ctx.Send(receiver.Pid, new Letter($"{n}"));
            }
        });

        Assert.Equal(new NodeUp(b.Node), await nodes.Expect<NodeUp>());
        for (var n = 0; n < 100; n++)
        {
            await receiver.ExpectNext(new Letter($"{n}"));
        }
        Assert.Contains(b.Node, a.Nodes);
        Assert.Equal(0, a.DeadLetters.Count);
    }

    [Fact]
    public async Task After_Disconnect_messages_both_ways_are_delivered_in_order_while_both_nodes_reconnect()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var onA = Probe.Spawn(a);
        var onB = Probe.Spawn(b);
        a.MonitorNodes(onA.Pid);
        b.MonitorNodes(onB.Pid);
        var senderA = Probe.Spawn(a);
        var senderB = Probe.Spawn(b);

        for (var round = 0; round < 5; round++)
        {
            await cluster.FullyConnected();
            Assert.True(a.Disconnect(b.Node));
            // What was already written to a connection the peer has closed is lost (delivery is at most once), so each
            // side sends once it knows the connection is gone. Both nodes connect again at once (their membership
            // probes do); the messages wait for that, in order, whichever node's connection wins.
            await onA.Expect<NodeDown>();
            await onB.Expect<NodeDown>();
            var toB = senderA.Run(ctx => SendLetters(ctx, onB.Pid, round));
            var toA = senderB.Run(ctx => SendLetters(ctx, onA.Pid, round));
            await Task.WhenAll(toA, toB);

            for (var n = 0; n < 50; n++)
            {
                Assert.Equal(new Letter($"{round}.{n}"), await onA.Expect<Letter>());
                Assert.Equal(new Letter($"{round}.{n}"), await onB.Expect<Letter>());
            }
        }
        Assert.Equal(0, a.DeadLetters.Count);
        Assert.Equal(0, b.DeadLetters.Count);
    }

    private static void SendLetters(IProcessContext ctx, Pid to, int round)
    {
        for (var n = 0; n < 50; n++)
        {
            ctx.Send(to, new Letter($"{round}.{n}"));
        }
    }

    [Fact]
    public async Task Disconnect_of_a_node_that_is_not_connected_returns_false_and_does_not_change_why_it_goes_down_later()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var nodes = Probe.Spawn(a);
        a.MonitorNodes(nodes.Pid);

        Assert.False(a.Disconnect(NodeName.Parse("stranger@localhost")));
        Assert.False(a.Disconnect(a.Node));
        Assert.True(a.Disconnect(b.Node));
        Assert.Equal(new NodeDown(b.Node, NodeDownReason.Disconnected), await nodes.Expect<NodeDown>());
        // Again at once: the nodes may have connected again already (their membership probes do), then it is a second disconnect.
        while (a.Disconnect(b.Node))
        {
            Assert.Equal(new NodeDown(b.Node, NodeDownReason.Disconnected), await nodes.Expect<NodeDown>());
        }

        // This time the other node closes the connection: a loss, not a disconnect of this node's.
        await cluster.FullyConnected();
        Assert.True(b.Disconnect(a.Node));
        Assert.Equal(new NodeDown(b.Node, NodeDownReason.ConnectionLost), await nodes.Expect<NodeDown>());
    }

    [Fact]
    public async Task Toward_a_node_that_has_stopped_messages_are_dead_letters_calls_fail_with_nodedown_and_links_and_monitors_fire_noconnection()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (a, b) = (cluster[0], cluster[1]);
        var watcher = await Probe.SpawnTrappingExits(a);
        await watcher.Run(ctx => ctx.MonitorNodes());
        var onB = Worker.Spawn(b);
        await b.StopAsync(TestContext.Current.CancellationToken);
        await watcher.Expect<NodeDown>(d => d.Node == b.Node);
        var deadLetters = a.DeadLetters.Count;

        a.Send(onB, new Letter("too late"));
        var call = await Assert.ThrowsAsync<CallException>(() => a.Call<int>(onB, 1, Timeout.InfiniteTimeSpan).AsTask()).Within("the call to fail");
        var monitor = await watcher.Run(ctx => ctx.Monitor(onB));
        await watcher.Run(ctx => ctx.Link(onB));
        var exited = a.WhenExited(onB);
        var spawn = await Assert.ThrowsAsync<ProcessStartException>(() => a.SpawnAsync<Silent>(b.Node).AsTask()).Within("the spawn to fail");

        Assert.Equal(ExitReason.NodeDown(b.Node), call.Reason);
        Assert.Equal(ExitReason.NodeDown(b.Node), spawn.Reason);
        Assert.Equal(new Down(monitor, onB, ExitReason.NoConnection), await watcher.Expect<Down>());
        Assert.Equal(new Exit(onB, ExitReason.NoConnection), await watcher.Expect<Exit>());
        Assert.Equal(ExitReason.NoConnection, await exited.Within("WhenExited to complete"));
        await TestNode.Eventually(() => a.DeadLetters.Count == deadLetters + 1, "the message to be a dead letter");
        var letter = a.DeadLetters.Recent[^1];
        Assert.Equal(onB.ToString(), letter.Target);
        Assert.StartsWith("noconnection", letter.Reason, StringComparison.Ordinal);
    }
}

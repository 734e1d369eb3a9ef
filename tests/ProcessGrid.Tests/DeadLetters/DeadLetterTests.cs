namespace ProcessGrid.Tests.DeadLetters;

/// <summary>A message that cannot be delivered is counted and recorded with its reason: never dropped silently.</summary>
public sealed class DeadLetterTests
{
    private sealed record Letter(int Number);

    private sealed class CallOnlyServer : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => ValueTask.FromResult<object?>(request);
    }

    [Fact]
    public async Task A_message_to_a_pid_that_no_longer_exists_is_counted_with_the_reason()
    {
        await using var node = TestNode.Start();
        var dead = await node.DeadProcess();
        var before = node.DeadLetters.Count;

        node.Send(dead, new Letter(1));

        Assert.Equal(before + 1, node.DeadLetters.Count);
        var letter = node.DeadLetters.Recent[^1];
        Assert.Equal(dead.ToString(), letter.Target);
        Assert.Equal(typeof(Letter).FullName, letter.MessageType);
        Assert.Contains("noproc", letter.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_and_casts_from_a_process_to_a_dead_pid_are_counted()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var dead = await node.DeadProcess();
        var before = node.DeadLetters.Count;

        await probe.Run(ctx =>
        {
            ctx.Send(dead, new Letter(1));
            ctx.Cast(dead, new Letter(2));
        });

        Assert.Equal(before + 2, node.DeadLetters.Count);
        Assert.All(node.DeadLetters.Recent.TakeLast(2), letter => Assert.Equal(dead.ToString(), letter.Target));
    }

    [Fact]
    public async Task A_message_to_a_pid_of_an_earlier_run_of_the_node_or_an_unreachable_node_is_counted()
    {
        await using var node = TestNode.Start();
        var earlierRun = Pid.ForSpawned(node.Node, node.Creation - 1, 2);
        var elsewhere = Pid.ForSpawned(NodeName.Parse("unreachable@nowhere"), 1, 1);
        var before = node.DeadLetters.Count;

        node.Send(earlierRun, new Letter(1));
        node.Send(elsewhere, new Letter(2));

        Assert.Equal(before + 2, node.DeadLetters.Count);
        var letters = node.DeadLetters.Recent.TakeLast(2).ToList();
        Assert.Equal(earlierRun.ToString(), letters[0].Target);
        Assert.Contains("noproc", letters[0].Reason, StringComparison.Ordinal);
        Assert.Equal(elsewhere.ToString(), letters[1].Target);
        Assert.Contains("noconnection", letters[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_to_a_pid_that_no_longer_exists_fails_at_once_with_noproc()
    {
        await using var node = TestNode.Start();
        var dead = await node.DeadProcess();

        var error = await Assert.ThrowsAsync<CallException>(
            () => node.Call<object>(dead, new Letter(1), Timeout.InfiniteTimeSpan).AsTask().Within("the call to fail"));

        Assert.Equal(ExitReason.NoProc, error.Reason);
    }

    [Fact]
    public async Task Messages_left_in_the_mailbox_when_a_process_exits_are_counted()
    {
        await using var node = TestNode.Start();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pid = node.Spawn(async _ =>
        {
            await gate.Task;
            throw new InvalidOperationException("gone before reading its mail");
        });
        for (var i = 0; i < 3; i++)
        {
            node.Send(pid, new Letter(i));
        }
        var before = node.DeadLetters.Count;

        gate.SetResult();

        await TestNode.Eventually(() => node.DeadLetters.Count == before + 3, "the three unread messages to be counted");
        Assert.All(node.DeadLetters.Recent.TakeLast(3), letter =>
        {
            Assert.Equal(pid.ToString(), letter.Target);
            Assert.Contains("gone before reading its mail", letter.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Node_notifications_left_unread_by_an_exiting_process_vanish_like_signals_and_only_its_mail_is_counted()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = cluster[0].Spawn(async ctx =>
        {
            ctx.MonitorNodes();
            await gate.Task;
            throw new InvalidOperationException("gone before reading anything");
        });
        await TestNode.Eventually(() => cluster[0].Nodes.Contains(cluster[1].Node), "the nodes to be connected");
        await cluster[1].StopAsync(TestContext.Current.CancellationToken);
        await TestNode.Eventually(() => cluster[0].GetProcessInfo(watcher)?.MessageQueueLength >= 1, "the NodeDown to be queued");
        cluster[0].Send(watcher, new Letter(1));
        var before = cluster[0].DeadLetters.Count;

        gate.SetResult();

        await TestNode.Eventually(() => cluster[0].DeadLetters.Count >= before + 1, "the unread letter to be counted");
        await cluster[0].WhenExited(watcher);
        Assert.Equal(before + 1, cluster[0].DeadLetters.Count);
        Assert.Contains("Letter", cluster[0].DeadLetters.Recent.Last().MessageType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_a_selective_receive_skipped_are_counted_when_the_process_exits()
    {
        await using var node = TestNode.Start();
        var pid = node.Spawn(async ctx =>
        {
            while (await ctx.Receive<int>() != 0)
            {
            }
        });
        node.Send(pid, new Letter(1));
        node.Send(pid, new Letter(2));
        node.Send(pid, 5);
        await TestNode.Eventually(() => node.GetProcessInfo(pid)!.MessageQueueLength == 2, "the letters to be skipped");
        var before = node.DeadLetters.Count;

        node.Send(pid, 0);

        await TestNode.Eventually(() => node.DeadLetters.Count == before + 2, "the two skipped letters to be counted");
    }

    [Fact]
    public async Task A_message_a_GenServer_does_not_handle_is_counted()
    {
        await using var node = TestNode.Start();
        var server = await node.StartAsync<CallOnlyServer>();
        var before = node.DeadLetters.Count;

        node.Send(server, new Letter(1));
        node.Cast(server, new Letter(2));
        await node.Call<string>(server, "sync").AsTask().Within("the server to handle what was sent before");

        Assert.Equal(before + 2, node.DeadLetters.Count);
        Assert.All(node.DeadLetters.Recent.TakeLast(2), letter => Assert.Contains("not handled", letter.Reason, StringComparison.Ordinal));
    }
}

namespace ProcessGrid.Tests.Mailbox;

/// <summary>One mailbox per process, one message at a time, and sends that never block.</summary>
public sealed class MailboxTests
{
    /// <summary>Counts how many of its handlers run at once; every handler really awaits, so overlap would show.</summary>
    private sealed class ConcurrencyMeter : GenServer
    {
        private int _running;
        private int _maxRunning;
        private int _handled;

        protected override async ValueTask<object?> HandleCallAsync(object request, CallFrom from)
        {
            await Handle();
            return (_maxRunning, _handled);
        }

        protected override async ValueTask HandleCastAsync(object message) => await Handle();

        protected override async ValueTask HandleInfoAsync(object message) => await Handle();

        private async Task Handle()
        {
            var running = Interlocked.Increment(ref _running);
            _maxRunning = Math.Max(_maxRunning, running);
            await Task.Delay(1);
            await Task.Yield();
            _handled++;
            Interlocked.Decrement(ref _running);
        }
    }

    [Fact]
    public async Task A_GenServer_handles_one_message_at_a_time_even_when_its_handlers_await()
    {
        await using var node = TestNode.Start();
        var server = node.Spawn<ConcurrencyMeter>();

        for (var i = 0; i < 30; i++)
        {
            node.Cast(server, i);
            node.Send(server, i);
        }
        // The test's cast, sends and call reach the server in send order, so the call is handled last.
        var (maxRunning, handled) = await node.Call<(int, int)>(server, "report", TimeSpan.FromSeconds(30)).AsTask().Within("the report");

        Assert.Equal(61, handled);
        Assert.Equal(1, maxRunning);
    }

    [Fact]
    public async Task Each_process_has_its_own_mailbox()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        Func<IProcessContext, Task> echoFirst = async ctx => ctx.Send(probe.Pid, (ctx.Self, await ctx.Receive<string>()));
        var first = node.Spawn(echoFirst);
        var second = node.Spawn(echoFirst);

        node.Send(second, "for second");
        node.Send(first, "for first");

        var received = new[] { await probe.Expect<(Pid, string)>(), await probe.Expect<(Pid, string)>() };
        Assert.Contains((first, "for first"), received);
        Assert.Contains((second, "for second"), received);
    }

    [Fact]
    public async Task Send_never_blocks_even_with_100k_messages_to_a_process_that_is_not_receiving()
    {
        const int Count = 100_000;
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiver = node.Spawn(async ctx =>
        {
            await gate.Task; // Busy with something other than receiving: messages wait in the mailbox.
            var expected = 0;
            while (expected < Count)
            {
                var n = await ctx.Receive<int>();
                if (n != expected)
                {
                    ctx.Send(probe.Pid, $"message {n} arrived where {expected} was expected");
                    return;
                }
                expected++;
            }
            ctx.Send(probe.Pid, $"received {expected} in order");
        });

        await Task.Run(() =>
        {
            for (var i = 0; i < Count; i++)
            {
                node.Send(receiver, i);
            }
        }, TestContext.Current.CancellationToken).Within("100k sends to return");

        Assert.Equal(Count, node.GetProcessInfo(receiver)!.MessageQueueLength);
        gate.SetResult();
        await probe.ExpectNext($"received {Count} in order", TimeSpan.FromSeconds(30));
    }
}

using System.Diagnostics;

namespace ProcessGrid.Tests.Receive;

/// <summary>
/// Erlang's <c>receive</c>: the first message that matches, in arrival order; the others stay, in order, for later
/// receives; <c>after</c> ends the wait when nothing matches in time.
/// </summary>
public sealed class SelectiveReceiveTests
{
    /// <summary>Sent last: the receiving process starts its receives only when this arrives, so all earlier messages are queued.</summary>
    private sealed record Start;

    [Fact]
    public async Task Receive_by_type_takes_the_first_message_of_that_type_and_keeps_the_others_in_order()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var pid = node.Spawn(async ctx =>
        {
            await ctx.Receive<Start>();
            var taken = new List<object>
            {
                await ctx.Receive<int>(),
                await ctx.Receive<int>(),
                await ctx.Receive<string>(),
                await ctx.Receive(),
                await ctx.Receive(),
            };
            ctx.Send(probe.Pid, string.Join(" ", taken));
        });

        foreach (var message in new object[] { "a", 1, "b", 2, "c" })
        {
            node.Send(pid, message);
        }
        node.Send(pid, new Start());

        await probe.ExpectNext("1 2 a b c");
    }

    [Fact]
    public async Task Receive_with_a_predicate_takes_the_first_message_it_accepts_and_keeps_the_others_in_order()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var pid = node.Spawn(async ctx =>
        {
            await ctx.Receive<Start>();
            var taken = new List<int>
            {
                await ctx.Receive<int>(n => n % 3 == 0),
                await ctx.Receive<int>(n => n % 3 == 0),
            };
            while ((await ctx.Receive<int>(TimeSpan.Zero)).TryGet(out var rest))
            {
                taken.Add(rest);
            }
            ctx.Send(probe.Pid, string.Join(" ", taken));
        });

        for (var i = 1; i <= 7; i++)
        {
            node.Send(pid, i);
        }
        node.Send(pid, new Start());

        await probe.ExpectNext("3 6 1 2 4 5 7");
    }

    [Fact]
    public async Task Receive_waits_for_a_matching_message_that_arrives_later()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var pid = node.Spawn(async ctx => ctx.Send(probe.Pid, await ctx.Receive<int>(n => n > 10)));

        node.Send(pid, 5);
        await node.UntilWaiting(pid);
        node.Send(pid, 11);

        Assert.Equal(11, await probe.Expect<int>());
    }

    [Fact]
    public async Task Receive_with_a_timeout_returns_TimedOut_when_nothing_matches_not_before_the_timeout()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var timeout = TimeSpan.FromMilliseconds(100);
        var pid = node.Spawn(async ctx =>
        {
            await ctx.Receive<Start>();
            var clock = Stopwatch.StartNew();
            var result = await ctx.Receive<int>(timeout);
            var elapsed = clock.Elapsed;
            var kept = await ctx.Receive<string>(TimeSpan.Zero);
            ctx.Send(probe.Pid, (result.TimedOut, elapsed, kept.TryGet(out var text) ? text : "nothing"));
        });

        node.Send(pid, "not an int");
        node.Send(pid, new Start());

        var (timedOut, elapsed, kept) = await probe.Expect<(bool, TimeSpan, string)>();
        Assert.True(timedOut);
        Assert.True(elapsed >= timeout, $"The receive timed out after {elapsed.TotalMilliseconds} ms, before its {timeout.TotalMilliseconds} ms.");
        Assert.Equal("not an int", kept);
    }

    [Fact]
    public async Task Receive_with_timeout_zero_takes_a_message_already_there()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var pid = node.Spawn(async ctx =>
        {
            await ctx.Receive<Start>();
            var result = await ctx.Receive<int>(TimeSpan.Zero);
            ctx.Send(probe.Pid, result.TryGet(out var n) ? $"got {n}" : "timed out");
        });

        node.Send(pid, 7); // Sent before Start by the same sender, so it is there when Start has arrived.
        node.Send(pid, new Start());

        await probe.ExpectNext("got 7");
    }

    [Fact]
    public async Task Receive_with_timeout_zero_does_not_wait_when_nothing_matches()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        node.Spawn(async ctx =>
        {
            var receive = ctx.Receive<int>(TimeSpan.Zero);
            var completedAtOnce = receive.IsCompleted;
            var result = await receive;
            ctx.Send(probe.Pid, (completedAtOnce, result.TimedOut));
        });

        Assert.Equal((true, true), await probe.Expect<(bool, bool)>());
    }

    [Fact]
    public async Task A_message_arriving_before_the_deadline_wins_over_the_timeout()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var pid = node.Spawn(async ctx =>
        {
            var result = await ctx.Receive<string>(TimeSpan.FromSeconds(30));
            ctx.Send(probe.Pid, result.TimedOut ? "timed out" : result.Message);
        });

        await node.UntilWaiting(pid);
        node.Send(pid, "in time");

        await probe.ExpectNext("in time");
    }

    [Fact]
    public async Task The_timer_of_a_receive_that_got_its_message_does_not_end_a_later_receive()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var firstTimeout = TimeSpan.FromMilliseconds(100);
        var pid = node.Spawn(async ctx =>
        {
            var first = await ctx.Receive<int>(firstTimeout);
            ctx.Send(probe.Pid, first.TimedOut ? "first timed out" : "first got its message");
            var second = await ctx.Receive<string>(TimeSpan.FromSeconds(30));
            ctx.Send(probe.Pid, second.TimedOut ? "second timed out" : second.Message);
        });

        await node.UntilWaiting(pid);
        node.Send(pid, 1);
        await probe.ExpectNext("first got its message");
        // Outlive the first receive's deadline, timed by the same clock, before giving the second its message.
        node.SendAfter(firstTimeout * 3, probe.Pid, "first deadline passed");
        await probe.ExpectNext("first deadline passed");
        node.Send(pid, "second's message");

        await probe.ExpectNext("second's message");
    }

    [Fact]
    public async Task A_GridProcess_receives_selectively_like_a_function()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var pid = node.Spawn<PairCollector>(probe.Pid);

        node.Send(pid, "right");
        node.Send(pid, 42);
        node.Send(pid, "left");

        await probe.ExpectNext("42: right left");
    }

    private sealed class PairCollector(Pid reportTo) : GridProcess
    {
        protected override async Task RunAsync(IProcessContext ctx)
        {
            var number = await ctx.Receive<int>();
            var first = await ctx.Receive<string>();
            var second = await ctx.Receive<string>();
            ctx.Send(reportTo, $"{number}: {first} {second}");
        }
    }
}

using System.Diagnostics;

namespace ProcessGrid.Tests.Timers;

/// <summary>erlang:send_after and cancel_timer, and receive timeouts that cost no thread.</summary>
public sealed class TimerTests
{
    /// <summary>A timer message that knows when it was scheduled and for how long.</summary>
    private sealed record Tick(long ScheduledAt, TimeSpan Delay);

    [Fact]
    public async Task SendAfter_delivers_the_message_not_before_the_delay()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        // The receiver reads the clock as each message arrives, so a timer that fired early cannot hide behind the test's latency.
        var receiver = node.Spawn(async ctx =>
        {
            while (true)
            {
                var tick = await ctx.Receive<Tick>();
                ctx.Send(probe.Pid, (tick, Stopwatch.GetElapsedTime(tick.ScheduledAt)));
            }
        });

        var delays = Enumerable.Range(0, 40).Select(i => TimeSpan.FromMilliseconds(1 + (i * 7 % 120))).ToList();
        foreach (var delay in delays)
        {
            node.SendAfter(delay, receiver, new Tick(Stopwatch.GetTimestamp(), delay));
        }

        foreach (var _ in delays)
        {
            var (tick, elapsed) = await probe.Expect<(Tick, TimeSpan)>();
            Assert.True(elapsed >= tick.Delay, $"A timer of {tick.Delay.TotalMilliseconds} ms delivered after {elapsed.TotalMilliseconds} ms.");
        }
    }

    [Fact]
    public async Task SendAfter_from_a_process_to_itself_delivers_not_before_the_delay()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var delay = TimeSpan.FromMilliseconds(50);

        node.Spawn(async ctx =>
        {
            var clock = Stopwatch.StartNew();
            ctx.SendAfter(delay, "wake up");
            await ctx.Receive<string>(m => m == "wake up");
            ctx.Send(probe.Pid, clock.Elapsed);
        });

        var elapsed = await probe.Expect<TimeSpan>();
        Assert.True(elapsed >= delay, $"A timer of {delay.TotalMilliseconds} ms delivered after {elapsed.TotalMilliseconds} ms.");
    }

    [Fact]
    public async Task CancelTimer_returns_the_time_left_and_the_message_never_arrives()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var delay = TimeSpan.FromMilliseconds(200);

        var timer = node.SendAfter(delay, probe.Pid, "cancelled");
        var left = node.CancelTimer(timer);

        Assert.NotNull(left);
        Assert.InRange(left.Value, TimeSpan.Zero, delay);
        Assert.Null(node.CancelTimer(timer)); // Already cancelled.
        // The same clock fires the marker after the cancelled timer's deadline.
        node.SendAfter(delay * 2, probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task CancelTimer_of_a_timer_that_fired_returns_null()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        var timer = node.SendAfter(TimeSpan.FromMilliseconds(5), probe.Pid, "fired");
        await probe.ExpectNext("fired");

        Assert.Null(node.CancelTimer(timer));
    }

    [Fact]
    public async Task A_process_cancels_its_own_timer()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        node.Spawn(async ctx =>
        {
            var timer = ctx.SendAfter(TimeSpan.FromMilliseconds(100), "cancelled");
            var left = ctx.CancelTimer(timer);
            ctx.SendAfter(TimeSpan.FromMilliseconds(300), "marker");
            ctx.Send(probe.Pid, (left.HasValue, await ctx.Receive<string>()));
        });

        Assert.Equal((true, "marker"), await probe.Expect<(bool, string)>());
    }

    [Fact]
    public async Task A_timer_to_a_local_process_that_exited_is_cancelled()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var target = node.Spawn(ctx => ctx.Receive<Guid>().AsTask());
        var longTimer = node.SendAfter(TimeSpan.FromHours(1), target, "too late");
        var shortTimer = node.SendAfter(TimeSpan.FromMilliseconds(50), target, "too late");
        var exited = node.WhenExited(target);

        node.Exit(target, ExitReason.Kill);
        await exited.Within("the target to exit");
        var deadLettersBefore = node.DeadLetters.Count;

        Assert.Null(node.CancelTimer(longTimer));
        // The short timer's time comes and goes (the same clock fires the marker later): cancelled, it is not a dead letter.
        node.SendAfter(TimeSpan.FromMilliseconds(250), probe.Pid, "marker");
        await probe.ExpectOnly("marker");
        Assert.Equal(deadLettersBefore, node.DeadLetters.Count);
        Assert.Null(node.CancelTimer(shortTimer));
    }

    [Fact]
    public async Task Receive_timeouts_hold_no_threads()
    {
        const int Count = 10_000;
        await using var node = TestNode.Start();
        var waiting = 0;
        var answered = 0;
        for (var i = 0; i < Count; i++)
        {
            node.Spawn(async ctx =>
            {
                Interlocked.Increment(ref waiting);
                var result = await ctx.Receive<string>(TimeSpan.FromHours(1));
                if (!result.TimedOut)
                {
                    Interlocked.Increment(ref answered);
                }
            });
        }

        await TestNode.Eventually(() => Volatile.Read(ref waiting) == Count, "every process to wait in its receive", TimeSpan.FromSeconds(30));
        var processes = node.Processes();
        await TestNode.Eventually(
            () => processes.All(pid => node.GetProcessInfo(pid)?.Status is ProcessStatus.Waiting or null),
            "every process to have parked", TimeSpan.FromSeconds(30));

        Assert.True(ThreadPool.ThreadCount < 200, $"{Count} waiting receives use {ThreadPool.ThreadCount} thread-pool threads.");
        foreach (var pid in processes)
        {
            node.Send(pid, "answer");
        }
        await TestNode.Eventually(() => Volatile.Read(ref answered) == Count, "every process to get its answer", TimeSpan.FromSeconds(30));
    }
}

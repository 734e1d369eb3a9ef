using System.Collections.Concurrent;

namespace ProcessGrid.Tests.Supervision;

/// <summary>A child reports that it has started (sent at the end of its initialization).</summary>
public sealed record Started(string Id, Pid Pid);

/// <summary>A child reports that it is terminating, and why (sent from its terminate callback).</summary>
public sealed record Terminated(string Id, Pid Pid, ExitReason Reason);

/// <summary>A child reports that its initialization is running (before it may fail).</summary>
public sealed record InitAttempt(string Id);

/// <summary>A stubborn child reports that it was asked to exit and did not.</summary>
public sealed record IgnoredExit(string Id, ExitReason Reason);

/// <summary>Cast to a <see cref="TestWorker"/>: exit with this reason.</summary>
public sealed record StopWith(ExitReason Reason);

/// <summary>
/// A worker that tells a probe when it has started and when it terminates (with the reason). It traps exits, so that
/// its terminate callback runs when its supervisor shuts it down, which is how the tests see shutdown order.
/// </summary>
public class TestWorker(string id, Pid probe) : GenServer
{
    /// <summary>The child's id in its supervisor.</summary>
    protected string Id => id;

    /// <summary>Where it reports.</summary>
    protected Pid Probe => probe;

    protected override ValueTask InitAsync()
    {
        Context.TrapExit = true;
        Context.Send(probe, new Started(id, Self));
        return ValueTask.CompletedTask;
    }

    protected override ValueTask HandleCastAsync(object message)
    {
        if (message is StopWith stop)
        {
            Context.Exit(stop.Reason);
        }
        return ValueTask.CompletedTask;
    }

    protected override ValueTask TerminateAsync(ExitReason reason)
    {
        Context.Send(probe, new Terminated(id, Self, reason));
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A worker that writes its start and termination into a log shared with the test, synchronously, for tests in which
/// a probe process would not outlive the events (the node's own stop ends the probe too).
/// </summary>
public sealed class RecordingWorker(string id, ConcurrentQueue<string> log) : GenServer
{
    protected override ValueTask InitAsync()
    {
        Context.TrapExit = true;
        log.Enqueue($"started {id}");
        return ValueTask.CompletedTask;
    }

    protected override ValueTask TerminateAsync(ExitReason reason)
    {
        log.Enqueue($"terminated {id} {reason}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Decides whether the next starts of a <see cref="FlakyWorker"/> fail; shared between the test and the worker.</summary>
public sealed class StartSwitch(int failures = 0)
{
    private int _failuresLeft = failures;

    /// <summary>A switch whose every start fails.</summary>
    public static StartSwitch AlwaysFail() => new(int.MaxValue);

    /// <summary>Makes the next <paramref name="count"/> starts fail.</summary>
    public void FailNext(int count) => Volatile.Write(ref _failuresLeft, count);

    /// <summary>Consumes one failure, if any is left.</summary>
    public bool ShouldFail()
    {
        while (true)
        {
            var left = Volatile.Read(ref _failuresLeft);
            if (left == 0)
            {
                return false;
            }
            if (left == int.MaxValue || Interlocked.CompareExchange(ref _failuresLeft, left - 1, left) == left)
            {
                return true;
            }
        }
    }
}

/// <summary>A <see cref="TestWorker"/> whose initialization fails while its <see cref="StartSwitch"/> says so.</summary>
public sealed class FlakyWorker(string id, Pid probe, StartSwitch startSwitch) : TestWorker(id, probe)
{
    protected override ValueTask InitAsync()
    {
        Context.Send(Probe, new InitAttempt(Id));
        if (startSwitch.ShouldFail())
        {
            throw new InvalidOperationException($"{Id} refuses to start");
        }
        return base.InitAsync();
    }
}

/// <summary>A child that traps exits and never exits when asked to: only <c>kill</c> ends it.</summary>
public sealed class StubbornWorker(string id, Pid probe) : GridProcess
{
    protected override async Task RunAsync(IProcessContext ctx)
    {
        ctx.TrapExit = true;
        ctx.Send(probe, new Started(id, ctx.Self));
        while (true)
        {
            var exit = await ctx.Receive<Exit>();
            ctx.Send(probe, new IgnoredExit(id, exit.Reason));
        }
    }
}

/// <summary>Expectations on the start/terminate reports of <see cref="TestWorker"/>s, in arrival order.</summary>
public static class LifecycleExpectations
{
    /// <summary>The next start or terminate report, whichever comes first.</summary>
    public static Task<object> NextLifecycle(this Probe probe) => probe.Expect<object>(m => m is Started or Terminated);

    /// <summary>Asserts that the next start or terminate report is the start of <paramref name="id"/>.</summary>
    public static async Task<Started> ExpectStarted(this Probe probe, string id)
    {
        var next = await probe.NextLifecycle();
        var started = Assert.IsType<Started>(next, exactMatch: true);
        Assert.Equal(id, started.Id);
        return started;
    }

    /// <summary>Asserts that the next start or terminate report is the termination of <paramref name="id"/> (with <paramref name="reason"/>, when given).</summary>
    public static async Task<Terminated> ExpectTerminated(this Probe probe, string id, ExitReason? reason = null)
    {
        var next = await probe.NextLifecycle();
        var terminated = Assert.IsType<Terminated>(next, exactMatch: true);
        Assert.Equal(id, terminated.Id);
        if (reason is not null)
        {
            Assert.Equal(reason, terminated.Reason);
        }
        return terminated;
    }

    /// <summary>
    /// Asks the supervisor for its children until <paramref name="condition"/> holds. For effects of a child's exit
    /// that send no message (a child not restarted, a spec removed): a supervisor handles one message at a time, so
    /// an answer that shows the effect comes after the whole handling of that exit.
    /// </summary>
    public static async Task<IReadOnlyList<ChildInfo>> ChildrenWhen(
        this IProcessGrid grid, Pid supervisor, Func<IReadOnlyList<ChildInfo>, bool> condition, string what)
    {
        var until = DateTime.UtcNow + Probe.DefaultWait;
        while (true)
        {
            var children = await grid.WhichChildrenAsync(supervisor);
            if (condition(children))
            {
                return children;
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Timed out after {Probe.DefaultWait} waiting until {what}; the children are [{string.Join(", ", children)}].");
            }
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A worker child that reports to <paramref name="probe"/>.</summary>
    public static ChildSpec Worker(string id, Probe probe) => ChildSpec.Worker<TestWorker>(id, id, probe.Pid);

    /// <summary>The crash reason the tests use.</summary>
    public static ExitReason Crash { get; } = ExitReason.Custom("crash");
}

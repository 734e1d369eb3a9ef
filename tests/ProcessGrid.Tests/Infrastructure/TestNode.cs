using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>Starts nodes for tests, with their logs in the test's output.</summary>
public static class TestNode
{
    /// <summary>Starts a node named after a fresh unique name; <paramref name="configure"/> adjusts its options.</summary>
    public static ProcessNode Start(Action<ProcessGridOptions>? configure = null, IServiceProvider? services = null)
    {
        var options = new ProcessGridOptions { NodeName = $"test{Interlocked.Increment(ref _counter)}@localhost" };
        configure?.Invoke(options);
        return ProcessNode.Start(options, services, TestLogging.Factory());
    }

    private static int _counter;

    /// <summary>A service provider for a test node: process classes get these services through their constructors.</summary>
    public static IServiceProvider Services(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        register(services);
        return services.BuildServiceProvider();
    }

    /// <summary>The pid of a process of this node that has exited (it ran and returned).</summary>
    public static async Task<Pid> DeadProcess(this IProcessGrid grid)
    {
        var pid = grid.Spawn(_ => Task.CompletedTask);
        await Eventually(() => grid.GetProcessInfo(pid) is null, $"{pid} has exited");
        return pid;
    }

    /// <summary>Waits until <paramref name="pid"/> waits for a message (its receive has parked, or its server is idle).</summary>
    public static Task UntilWaiting(this IProcessGrid grid, Pid pid) =>
        Eventually(() => grid.GetProcessInfo(pid)?.Status == ProcessStatus.Waiting, $"{pid} waits for a message");

    /// <summary>Awaits <paramref name="task"/> with a deadline, failing the test with <paramref name="what"/> if it passes.</summary>
    public static async Task<T> Within<T>(this Task<T> task, string what, TimeSpan? deadline = null)
    {
        try
        {
            return await task.WaitAsync(deadline ?? Probe.DefaultWait, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {deadline ?? Probe.DefaultWait} waiting for {what}.");
        }
    }

    /// <summary>Awaits <paramref name="task"/> with a deadline, failing the test with <paramref name="what"/> if it passes.</summary>
    public static async Task Within(this Task task, string what, TimeSpan? deadline = null)
    {
        try
        {
            await task.WaitAsync(deadline ?? Probe.DefaultWait, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {deadline ?? Probe.DefaultWait} waiting for {what}.");
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="what"/> after the deadline.</summary>
    /// <remarks>For state that has no event to await (a count, a table); yields between polls, never sleeps a fixed time.</remarks>
    public static async Task Eventually(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? Probe.DefaultWait);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Timed out after {deadline ?? Probe.DefaultWait} waiting until {what}.");
            }
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls an asynchronous <paramref name="condition"/> (a database query, say) until it holds, failing with <paramref name="what"/> after the deadline.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? Probe.DefaultWait);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Timed out after {deadline ?? Probe.DefaultWait} waiting until {what}.");
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}

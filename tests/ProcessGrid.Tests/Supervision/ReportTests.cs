using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary>
/// A supervisor's reports go to the node's logger (from the node's services): crashes and giving up as errors,
/// restarts as information; without a logger factory it still supervises.
/// </summary>
public sealed class ReportTests
{
    [Fact]
    public async Task A_crash_is_reported_as_an_error_and_the_restart_as_information()
    {
        var captured = new CapturedLog();
        await using var node = TestNode.Start(services: captured.Services());
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("worker_one", probe)]));
        var first = await probe.ExpectStarted("worker_one");

        node.Cast(first.Pid, new StopWith(Crash));
        await probe.ExpectTerminated("worker_one", Crash);
        var second = await probe.ExpectStarted("worker_one");
        // The supervisor answers only after it has finished handling the exit, reports included.
        await node.WhichChildrenAsync(sup);

        var crash = Assert.Single(captured.Entries, entry => entry.EventId == 301);
        Assert.Equal(LogLevel.Error, crash.Level);
        Assert.Equal("ProcessGrid.Supervisor", crash.Category);
        Assert.Contains("worker_one", crash.Message);
        Assert.Contains(first.Pid.ToString(), crash.Message);
        Assert.Contains("crash", crash.Message);
        var restart = Assert.Single(captured.Entries, entry => entry.EventId == 302);
        Assert.Equal(LogLevel.Information, restart.Level);
        Assert.Contains(second.Pid.ToString(), restart.Message);
    }

    [Fact]
    public async Task Giving_up_is_reported_as_an_error()
    {
        var captured = new CapturedLog();
        await using var node = TestNode.Start(services: captured.Services());
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("w", probe)]) { Intensity = 0 });
        var w = await probe.ExpectStarted("w");
        var exited = node.WhenExited(sup);

        node.Cast(w.Pid, new StopWith(Crash));

        Assert.Equal(ExitReason.Shutdown, await exited.Within("the supervisor to give up"));
        var report = Assert.Single(captured.Entries, entry => entry.EventId == 305);
        Assert.Equal(LogLevel.Error, report.Level);
        Assert.Contains("reached_max_restart_intensity", report.Message);
    }

    [Fact]
    public async Task Without_a_logger_factory_in_the_services_a_supervisor_still_supervises()
    {
        await using var node = TestNode.Start(services: new ServiceCollection().BuildServiceProvider());
        var probe = Probe.Spawn(node);
        await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne, [Worker("w", probe)]));
        var first = await probe.ExpectStarted("w");

        node.Cast(first.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("w", Crash);
        await probe.ExpectStarted("w");
    }

    /// <summary>Collects what is logged through a logger factory registered in the node's services.</summary>
    private sealed class CapturedLog : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public IServiceProvider Services() =>
            new ServiceCollection().AddSingleton(LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(this))).BuildServiceProvider();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        public sealed record Entry(LogLevel Level, string Category, int EventId, string Message);

        private sealed class Logger(CapturedLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                log.Entries.Enqueue(new Entry(logLevel, category, eventId.Id, formatter(state, exception)));
        }
    }
}

using Microsoft.Extensions.Logging;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>Sends log lines to the output of the test that created the logger, so a failing test shows what the node logged.</summary>
public static class TestLogging
{
    /// <summary>A logger factory writing to the current test's output.</summary>
    /// <remarks>
    /// The test's output is captured here, when the test creates its node: processes log from thread-pool threads
    /// that do not carry the test's context, so looking it up at log time would lose their lines.
    /// </remarks>
    public static ILoggerFactory Factory(ILoggerProvider? also = null)
    {
        var output = TestContext.Current.TestOutputHelper;
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Debug);
            if (output is not null)
            {
                builder.AddProvider(new TestOutputLoggerProvider(output));
            }
            if (also is not null)
            {
                builder.AddProvider(also);
            }
        });
    }

    private sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new TestOutputLogger(output, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class TestOutputLogger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"[{logLevel}] {category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; its output is closed.
            }
        }
    }
}

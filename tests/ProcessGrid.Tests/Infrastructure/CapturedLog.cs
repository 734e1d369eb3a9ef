using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>Keeps the lines nodes log, so a test can await one ("the log says so") with a deadline.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Every line so far.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Waits until a line containing <paramref name="text"/> has been logged.</summary>
    public Task<string> WaitFor(string text, TimeSpan? within = null) => WaitForAsync(text, within);

    private async Task<string> WaitForAsync(string text, TimeSpan? within)
    {
        string? found = null;
        await TestNode.Eventually(() => (found = _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal))) is not null,
            $"a log line containing '{text}'", within);
        return found!;
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log._lines.Enqueue($"[{logLevel}] {category}: {formatter(state, exception)}");
    }
}

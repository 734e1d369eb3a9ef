using Microsoft.Extensions.Logging;

namespace ProcessGrid.Runtime.Messaging;

/// <summary>
/// Counts and logs every message the node could not deliver. The count is exact; the log is limited to a number of
/// lines per second, and a summary line says how many were left out, so a flood of dead letters cannot flood the log.
/// </summary>
internal sealed partial class DeadLetterOffice : IDeadLetters
{
    private const int RecentCapacity = 256;

    private readonly ILogger _logger;
    private readonly int _logLinesPerSecond;
    private readonly Lock _gate = new();
    private readonly DeadLetter[] _recent = new DeadLetter[RecentCapacity];
    private long _count;
    private int _recentNext;
    private int _recentCount;
    private long _windowStart;
    private int _loggedInWindow;
    private long _suppressedInWindow;

    public DeadLetterOffice(ILogger logger, int logLinesPerSecond)
    {
        _logger = logger;
        _logLinesPerSecond = logLinesPerSecond;
    }

    /// <inheritdoc />
    public long Count => Interlocked.Read(ref _count);

    /// <inheritdoc />
    public IReadOnlyList<DeadLetter> Recent
    {
        get
        {
            lock (_gate)
            {
                var result = new DeadLetter[_recentCount];
                var start = (_recentNext - _recentCount + RecentCapacity) % RecentCapacity;
                for (var i = 0; i < _recentCount; i++)
                {
                    result[i] = _recent[(start + i) % RecentCapacity];
                }
                return result;
            }
        }
    }

    /// <inheritdoc />
    public void Report(string target, object message, string reason) =>
        Report(target, message.GetType().FullName ?? message.GetType().Name, reason);

    /// <summary>Records a message known only by its type name (one that arrived but could not be read).</summary>
    public void Report(string target, string messageType, string reason)
    {
        Interlocked.Increment(ref _count);
        var letter = new DeadLetter(target, messageType, reason, DateTimeOffset.UtcNow);
        long suppressed = 0;
        bool log;
        lock (_gate)
        {
            _recent[_recentNext] = letter;
            _recentNext = (_recentNext + 1) % RecentCapacity;
            _recentCount = Math.Min(_recentCount + 1, RecentCapacity);

            var now = Environment.TickCount64;
            if (now - _windowStart >= 1000)
            {
                suppressed = _suppressedInWindow;
                _windowStart = now;
                _loggedInWindow = 0;
                _suppressedInWindow = 0;
            }
            log = _loggedInWindow < _logLinesPerSecond;
            if (log)
            {
                _loggedInWindow++;
            }
            else
            {
                _suppressedInWindow++;
            }
        }
        if (suppressed > 0)
        {
            LogSuppressed(_logger, suppressed);
        }
        if (log)
        {
            LogDeadLetter(_logger, letter.MessageType, target, reason);
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Dead letter: {MessageType} to {Target} was not delivered: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, string messageType, string target, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "{Suppressed} more dead letters in the last second were counted but not logged (see the dead-letter count)")]
    private static partial void LogSuppressed(ILogger logger, long suppressed);
}

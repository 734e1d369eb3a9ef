namespace ProcessGrid;

/// <summary>
/// A supervisor's reports (Erlang's supervisor reports and progress reports), written through the node's
/// <see cref="ILogger"/> under the category <c>ProcessGrid.Supervisor</c>.
/// </summary>
/// <remarks>
/// Crashes and failures are errors, as in Erlang; restarts are information, so an operator sees the tree heal;
/// starts and ignored signals are debug detail (Erlang's progress reports, hidden by default).
/// </remarks>
internal static partial class SupervisorReports
{
    /// <summary>The log category of supervisor reports.</summary>
    public const string Category = "ProcessGrid.Supervisor";

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Supervisor {Supervisor} started child {ChildId} as {Pid}")]
    public static partial void ChildStarted(ILogger logger, Pid supervisor, string childId, Pid pid);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Supervisor {Supervisor}: child {ChildId} ({Pid}) terminated with reason {Reason} (child_terminated)")]
    public static partial void ChildTerminated(ILogger logger, Pid supervisor, string childId, Pid pid, ExitReason reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Supervisor {Supervisor} restarted child {ChildId} as {Pid} ({Strategy})")]
    public static partial void ChildRestarted(ILogger logger, Pid supervisor, string childId, Pid pid, RestartStrategy strategy);

    [LoggerMessage(EventId = 303, Level = LogLevel.Error, Message = "Supervisor {Supervisor} could not start child {ChildId}: {Reason} (start_error)")]
    public static partial void StartError(ILogger logger, Pid supervisor, string childId, ExitReason reason);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Supervisor {Supervisor}: child {ChildId} ({Pid}) exited with {Reason} when shut down with {Shutdown} (shutdown_error)")]
    public static partial void ShutdownError(ILogger logger, Pid supervisor, string childId, Pid pid, ExitReason reason, ChildShutdown shutdown);

    [LoggerMessage(EventId = 305, Level = LogLevel.Error, Message = "Supervisor {Supervisor} reached its maximum restart intensity ({Intensity} in {Period}) restarting child {ChildId}: it terminates its children and shuts down (reached_max_restart_intensity)")]
    public static partial void ReachedMaxRestartIntensity(ILogger logger, Pid supervisor, int intensity, TimeSpan period, string childId);

    [LoggerMessage(EventId = 306, Level = LogLevel.Debug, Message = "Supervisor {Supervisor} ignored an exit signal from {From}, which is not its child: {Reason}")]
    public static partial void UnknownExitIgnored(ILogger logger, Pid supervisor, Pid from, ExitReason reason);

    [LoggerMessage(EventId = 307, Level = LogLevel.Error, Message = "Supervisor {Supervisor} received an unexpected message: {Message}")]
    public static partial void UnexpectedMessage(ILogger logger, Pid supervisor, object message);

    [LoggerMessage(EventId = 308, Level = LogLevel.Debug, Message = "Supervisor {Supervisor}: child {ChildId} ({Pid}) had already exited when it was shut down")]
    public static partial void ChildAlreadyGone(ILogger logger, Pid supervisor, string childId, Pid pid);

    [LoggerMessage(EventId = 309, Level = LogLevel.Debug, Message = "Supervisor {Supervisor} terminating its children ({Reason})")]
    public static partial void Terminating(ILogger logger, Pid supervisor, ExitReason reason);
}

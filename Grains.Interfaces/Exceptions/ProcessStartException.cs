namespace ProcessGrid;

/// <summary>
/// A process started with <c>StartAsync</c> or <c>StartLinkAsync</c> failed in its initialization (Erlang's
/// <c>{error, Reason}</c> from <c>gen_server:start_link</c>).
/// </summary>
public sealed class ProcessStartException : ProcessGridException
{
    /// <summary>Creates the error for a start of <paramref name="processType"/> that failed with <paramref name="reason"/>.</summary>
    public ProcessStartException(string processType, ExitReason reason)
        : base($"Process {processType} failed to start: {reason}.", reason.Exception)
    {
        ProcessType = processType;
        Reason = reason;
    }

    /// <summary>The name of the process type that failed to start.</summary>
    public string ProcessType { get; }

    /// <summary>Why it failed.</summary>
    public ExitReason Reason { get; }
}

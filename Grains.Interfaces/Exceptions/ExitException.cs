namespace ProcessGrid;

/// <summary>
/// Thrown by <see cref="IProcessContext.Exit(ExitReason)"/> to end the calling process with a reason (Erlang's
/// <c>exit(Reason)</c>). The runtime catches it at the top of the process and exits with <see cref="Reason"/>; it is not
/// logged as a crash.
/// </summary>
public sealed class ExitException : ProcessGridException
{
    /// <summary>Creates the signal for an exit with <paramref name="reason"/>.</summary>
    public ExitException(ExitReason reason) : base($"The process exits with reason {reason}.") => Reason = reason;

    /// <summary>The reason the process exits with.</summary>
    public ExitReason Reason { get; }
}

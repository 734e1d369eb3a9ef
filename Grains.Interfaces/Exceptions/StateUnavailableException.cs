namespace ProcessGrid;

/// <summary>
/// The store of persistent state could not be reached or used (the database is down, the network failed, the
/// credentials were refused). The message says where, what happened, whether a write may have happened, and what to do.
/// </summary>
/// <remarks>
/// The node goes on; the process decides. A process that lets it end the process fails the call being handled with
/// this reason, and its next activation loads the state again. When an activation's first load fails, the activation
/// does not start and the message that activated it fails with this reason.
/// </remarks>
public sealed class StateUnavailableException : ProcessGridException
{
    /// <summary>Creates the error for the state <paramref name="stateName"/> of <paramref name="process"/>.</summary>
    /// <param name="process">The virtual process whose state it is.</param>
    /// <param name="stateName">The state's name.</param>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="inner">The store's error.</param>
    public StateUnavailableException(Pid process, string stateName, string message, Exception? inner)
        : base(message, inner)
    {
        Process = process;
        StateName = stateName;
    }

    /// <summary>The virtual process whose state it is.</summary>
    public Pid Process { get; }

    /// <summary>The state's name.</summary>
    public string StateName { get; }
}

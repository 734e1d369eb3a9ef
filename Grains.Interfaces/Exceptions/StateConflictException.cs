namespace ProcessGrid;

/// <summary>
/// A write or clear of persistent state was refused because the stored version is no longer the one this activation
/// holds: another activation of the same key wrote since this one read (after a failover, for example, while the old
/// activation ran on a node that did not yet know it was declared dead). Nothing was written.
/// </summary>
/// <remarks>
/// The activation's copy is stale. Letting the exception end the process is the simple answer: the caller gets the
/// error, and the next message activates the key again with the current state. Or call
/// <see cref="IPersistentState{TState}.ReadStateAsync"/> and apply the change again.
/// </remarks>
public sealed class StateConflictException : ProcessGridException
{
    /// <summary>Creates the error for the state <paramref name="stateName"/> of <paramref name="process"/>.</summary>
    /// <param name="process">The virtual process whose state it is.</param>
    /// <param name="stateName">The state's name.</param>
    /// <param name="heldVersion">The version the activation holds (0: it found no record).</param>
    /// <param name="storedVersion">The version in the store when the write was refused; null when the store has no record.</param>
    /// <param name="writtenBy">The node that wrote the stored version, when known.</param>
    /// <param name="writtenAt">When the stored version was written, when known.</param>
    public StateConflictException(Pid process, string stateName, long heldVersion, long? storedVersion, string? writtenBy, DateTimeOffset? writtenAt)
        : base(Describe(process, stateName, heldVersion, storedVersion, writtenBy, writtenAt))
    {
        Process = process;
        StateName = stateName;
        HeldVersion = heldVersion;
        StoredVersion = storedVersion;
        WrittenBy = writtenBy;
    }

    /// <summary>The virtual process whose state it is.</summary>
    public Pid Process { get; }

    /// <summary>The state's name.</summary>
    public string StateName { get; }

    /// <summary>The version the refused activation holds.</summary>
    public long HeldVersion { get; }

    /// <summary>The version in the store when the write was refused; null when the store has no record.</summary>
    public long? StoredVersion { get; }

    /// <summary>The node that wrote the stored version, when known.</summary>
    public string? WrittenBy { get; }

    private static string Describe(Pid process, string stateName, long held, long? stored, string? writtenBy, DateTimeOffset? writtenAt)
    {
        var holds = held == 0 ? "found no record (version 0)" : $"holds version {held}";
        var store = stored is { } version
            ? $"the store has version {version}" + (writtenBy is null ? "" : $", written by {writtenBy}") + (writtenAt is { } at ? $" at {at.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}Z" : "")
            : "the store has no record of it (it was deleted outside ProcessGrid)";
        return $"The state '{stateName}' of {process} was not written: this activation {holds}, but {store}. " +
               "Another activation of the same key wrote it since this one read it (after a failover, say), so this copy is stale and nothing was overwritten. " +
               "Let the process exit (its next activation loads the current state), or call ReadStateAsync and apply the change again.";
    }
}

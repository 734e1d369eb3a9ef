namespace ProcessGrid.Runtime.Persistence;

/// <summary>
/// Where persistent state is kept (Orleans' grain storage provider): records of JSON, each with a version that every
/// successful write moves by exactly one, written only by compare-and-swap on that version.
/// </summary>
/// <remarks>
/// <para>Invariants every store keeps:</para>
/// <list type="bullet">
/// <item>A key never written has no record, which reads as version 0. The first write creates version 1.</item>
/// <item>A write succeeds only if the stored version is the expected one (0: no record yet), and then stores version
/// expected + 1; otherwise nothing changes and the result says what the store holds. Of concurrent writers that
/// expect the same version, exactly one succeeds.</item>
/// <item>A clear is a write of no payload: the record stays, with its version moved on, so that a stale writer that
/// expects the version before the clear is refused too (deleting the record would let it write as if it were new).</item>
/// <item>A store that cannot be reached throws <see cref="StateUnavailableException"/>: never a silent success.</item>
/// </list>
/// </remarks>
internal interface IStateStore
{
    /// <summary>Where the store keeps state, for log lines ("PostgreSQL at db:5432 (database 'grid')").</summary>
    string Description { get; }

    /// <summary>The stored record of <paramref name="id"/>, or null when it has none.</summary>
    /// <exception cref="StateUnavailableException">The store could not be reached.</exception>
    ValueTask<StoredState?> ReadAsync(StateId id, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="payload"/> (null: clears) as <paramref name="id"/> if its version is still <paramref name="expectedVersion"/>.</summary>
    /// <param name="id">The record.</param>
    /// <param name="expectedVersion">The version the writer holds (0: it found no record).</param>
    /// <param name="payload">The state as JSON, or null to clear it.</param>
    /// <param name="stateType">The state's type name, kept for operators.</param>
    /// <param name="cancellationToken">Cancels the write (its outcome is then unknown).</param>
    /// <exception cref="StateUnavailableException">The store could not be reached; the message says whether the write may have happened.</exception>
    ValueTask<StateWriteResult> WriteAsync(StateId id, long expectedVersion, string? payload, string stateType, CancellationToken cancellationToken);
}

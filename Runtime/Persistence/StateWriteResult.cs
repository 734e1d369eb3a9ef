namespace ProcessGrid.Runtime.Persistence;

/// <summary>The outcome of a conditional write: written at a new version, or refused because the stored version moved.</summary>
internal readonly struct StateWriteResult
{
    private StateWriteResult(bool written, long version, StoredState? stored)
    {
        Written = written;
        Version = version;
        Stored = stored;
    }

    /// <summary>True when the record was written.</summary>
    public bool Written { get; }

    /// <summary>When written: the record's new version.</summary>
    public long Version { get; }

    /// <summary>When refused: the record the store holds (null when it has none), for the error message.</summary>
    public StoredState? Stored { get; }

    /// <summary>The record was written and now has <paramref name="version"/>.</summary>
    public static StateWriteResult WrittenAt(long version) => new(true, version, null);

    /// <summary>Nothing was written: the store holds <paramref name="stored"/> (null: no record), not the expected version.</summary>
    public static StateWriteResult Refused(StoredState? stored) => new(false, 0, stored);
}

namespace ProcessGrid.Samples;

/// <summary>
/// The Simple Cache: insert a value under a key on one node, look it up from any other. One virtual process per key
/// (as the Erlang original runs one process per cached element), which keeps its value as persistent state:
/// <c>grid.Virtual&lt;Cache&gt;("user:42")</c> is the same entry from every node of the cluster, and with the cluster's
/// PostgreSQL database its value outlives the node it was inserted on.
/// </summary>
/// <remarks>
/// A write that fails (the database is down, or a stale activation is refused) ends the process with that error: the
/// caller's call fails with it, and the next message activates the key again with the stored value.
/// </remarks>
[VirtualProcess(Kind = "cache")]
public sealed class Cache(IPersistentState<Cache.Entry?> entry) : GenServer
{
    /// <summary>Stores <paramref name="Value"/> under the key, replacing what was there; the reply is the entry's new version (a <see cref="long"/>).</summary>
    public sealed record Insert(string Value);

    /// <summary>Asks for the value; the reply is the value, or null when the key holds none.</summary>
    public sealed record Lookup;

    /// <summary>Removes the value; the reply is true when there was one.</summary>
    public sealed record Delete;

    /// <summary>What the cache keeps for its key: its persistent state.</summary>
    /// <param name="Value">The cached value.</param>
    public sealed record Entry(string Value);

    /// <inheritdoc />
    protected override async ValueTask<object?> HandleCallAsync(object request, CallFrom from)
    {
        switch (request)
        {
            case Insert insert:
                entry.State = new Entry(insert.Value);
                await entry.WriteStateAsync();
                return entry.Version;
            case Lookup:
                return entry.State?.Value;
            case Delete:
                if (!entry.RecordExists)
                {
                    return false;
                }
                await entry.ClearStateAsync();
                return true;
            default:
                throw new ArgumentException($"A cache answers {nameof(Insert)}, {nameof(Lookup)} and {nameof(Delete)}, not {request.GetType().Name}.", nameof(request));
        }
    }
}

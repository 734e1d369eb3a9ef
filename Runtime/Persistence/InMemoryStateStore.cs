namespace ProcessGrid.Runtime.Persistence;

/// <summary>
/// Persistent state kept in the node's memory, for nodes without a database (a lone node in development, a
/// development cluster, tests). It keeps the same versions and refuses the same stale writes as the PostgreSQL store,
/// but it lives as long as the node: a restart, or a key that moves to another node, starts from empty state. The node
/// logs this when it first uses the store.
/// </summary>
/// <remarks>
/// Records hold JSON, not the objects, so that an activation never shares its state object with the next activation
/// of its key (copy semantics, as in the database). One lock guards the table: a write is a lookup and a store, and
/// state writes are rare next to messages.
/// </remarks>
internal sealed class InMemoryStateStore(NodeName node, TimeProvider clock) : IStateStore
{
    private readonly Dictionary<StateId, StoredState> _records = [];
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public string Description => $"the memory of node {node}";

    /// <inheritdoc />
    public ValueTask<StoredState?> ReadAsync(StateId id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new(_records.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<StateWriteResult> WriteAsync(StateId id, long expectedVersion, string? payload, string stateType, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var stored = _records.GetValueOrDefault(id);
            if ((stored?.Version ?? 0) != expectedVersion)
            {
                return new(StateWriteResult.Refused(stored));
            }
            _records[id] = new StoredState(expectedVersion + 1, payload, node.Value, clock.GetUtcNow());
            return new(StateWriteResult.WrittenAt(expectedVersion + 1));
        }
    }
}

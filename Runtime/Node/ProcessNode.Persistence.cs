using ProcessGrid.Runtime.Persistence;

namespace ProcessGrid.Runtime;

/// <summary>The persistent state of the node's virtual processes: see <see cref="NodePersistence"/>.</summary>
public sealed partial class ProcessNode
{
    private readonly Lock _persistenceGate = new();
    private NodePersistence? _persistence;
    private bool _persistenceClosed;

    /// <summary>
    /// The node's state store and serializer, created when the first activation with persistent state starts (which is
    /// when the node logs where state is kept) and closed when the node has stopped, after its processes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node has stopped.</exception>
    internal NodePersistence StatePersistence => Volatile.Read(ref _persistence) ?? CreateStatePersistence();

    private NodePersistence CreateStatePersistence()
    {
        lock (_persistenceGate)
        {
            if (_persistenceClosed)
            {
                throw new InvalidOperationException($"Node {Node} has stopped: its virtual processes can no longer load or store persistent state.");
            }
            return _persistence ??= new NodePersistence(this);
        }
    }

    /// <summary>Closes the state store (its database connections); called once no process of the node runs any more.</summary>
    private void ClosePersistence()
    {
        NodePersistence? persistence;
        lock (_persistenceGate)
        {
            _persistenceClosed = true;
            persistence = _persistence;
        }
        persistence?.Dispose();
    }
}

using ProcessGrid.Runtime.Persistence;

namespace ProcessGrid.Runtime;

/// <summary>The persistent state of the node's virtual processes.</summary>
public sealed partial class ProcessNode
{
    /// <summary>
    /// The node's state store and serializer, created when the first activation with persistent state starts (which is
    /// when the node logs where state is kept) and closed when the node stops, after its processes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The node is stopping.</exception>
    internal NodePersistence StatePersistence => Extensions.GetOrAdd(() => new NodePersistence(this));
}

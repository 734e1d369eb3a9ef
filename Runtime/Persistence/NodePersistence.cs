using ProcessGrid.Runtime.Serialization;

namespace ProcessGrid.Runtime.Persistence;

/// <summary>
/// A node's part in persistent state: the store its options choose (<see cref="PersistenceOptions"/>) and the
/// serializer that turns states into JSON. Created when the first activation with state starts, which is when the
/// node says in its log where state is kept; closed with the node, after its processes have stopped (their
/// terminate callbacks may still write).
/// </summary>
internal sealed partial class NodePersistence : IDisposable
{
    public NodePersistence(ProcessNode node)
    {
        Node = node.Node;
        Serializer = new MessageSerializer(node);
        var options = node.Options.Persistence;
        var cluster = node.Options.Cluster;
        if (options.Resolve(cluster) == StateStoreKind.PostgreSql)
        {
            Store = new PostgresStateStore(options.ConnectionString(cluster)!, cluster.ClusterId, node.Node);
            LogDurable(node.Logger, node.Node, Store.Description, cluster.ClusterId);
        }
        else
        {
            Store = new InMemoryStateStore(node.Node, TimeProvider.System);
            LogInMemory(node.Logger, node.Node);
        }
    }

    /// <summary>This node.</summary>
    public NodeName Node { get; }

    /// <summary>Where state is kept.</summary>
    public IStateStore Store { get; }

    /// <summary>Turns states into JSON and back, with the node's conventions for messages (pids attach to this node).</summary>
    public MessageSerializer Serializer { get; }

    /// <inheritdoc />
    public void Dispose() => (Store as IDisposable)?.Dispose();

    [LoggerMessage(EventId = 400, Level = LogLevel.Information,
        Message = "Persistent state of virtual processes on {Node} is kept in {Store}, cluster '{ClusterId}'")]
    private static partial void LogDurable(ILogger logger, NodeName node, string store, string clusterId);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning,
        Message = "Persistent state of virtual processes on {Node} is kept in this node's memory only: it does not survive the node, and a key " +
                  "that moves to another node (failover, a node joining) starts there from empty state. Set ProcessGrid:Cluster:Database " +
                  "(or ProcessGrid:Persistence:Database) to keep it in PostgreSQL")]
    private static partial void LogInMemory(ILogger logger, NodeName node);
}

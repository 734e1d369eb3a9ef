using ProcessGrid.Runtime.Global;

namespace ProcessGrid.Runtime;

/// <summary>The node's cluster-wide names (Erlang's <c>global</c>): see <see cref="GlobalRegistry"/>.</summary>
public sealed partial class ProcessNode
{
    private GlobalRegistry? _global;

    /// <inheritdoc />
    public IGlobalRegistry Global => _global ?? throw new InvalidOperationException($"Node {Node} has not been started: call StartNode() (the generic host does this for you).");

    /// <summary>Completes when the global names have been loaded.</summary>
    private Task GlobalReady => _global?.Loaded ?? Task.CompletedTask;

    private void StartGlobal()
    {
        var cluster = _options.Cluster;
        (IGlobalTable? table, string? unavailable) = cluster switch
        {
            { Database: { } database } => (new PostgresGlobalTable(database, cluster.ClusterId, Node, Creation, LoggerFactory.CreateLogger("ProcessGrid.Global")), null),
            { IsDistributed: false } => (new InMemoryGlobalTable((name, creation) => name == Node && creation == Creation), null),
            _ => ((IGlobalTable?)null,
                  $"Global names need the cluster's database (ProcessGrid:Cluster:Database), which decides every claim for all nodes; node {Node} " +
                  "runs in a development cluster without one. Start the nodes with a PostgreSQL connection string, or use node-local names (grid.Register)."),
        };
        _global = new GlobalRegistry(this, table, unavailable);
        _global.Start();
    }

    private async Task StopGlobalAsync()
    {
        if (_global is { } global)
        {
            await global.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnMemberDeadGlobal(NodeName node, long creation) => _global?.OnNodeDead(node, creation);
}

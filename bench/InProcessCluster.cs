using ProcessGrid.Runtime;
using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Bench;

/// <summary>
/// Nodes in this process that form a cluster over loopback without a database: the first keeps the development
/// membership table, the others join it by its address (as silos started with <c>--join</c> do).
/// </summary>
internal sealed class InProcessCluster : IAsyncDisposable
{
    private readonly List<ProcessNode> _nodes = [];

    /// <summary>The nodes, in start order.</summary>
    public IReadOnlyList<ProcessNode> Nodes => _nodes;

    /// <summary>Starts <paramref name="count"/> nodes and waits until each is connected to every other.</summary>
    public static async Task<InProcessCluster> StartAsync(int count)
    {
        var cluster = new InProcessCluster();
        var clusterId = $"bench-{Guid.NewGuid():N}";
        var cookie = Guid.NewGuid().ToString("N");
        try
        {
            for (var i = 0; i < count; i++)
            {
                var options = new ProcessGridOptions { NodeName = $"rpc{i + 1}@localhost" };
                options.Cluster.ClusterId = clusterId;
                options.Cluster.Cookie = cookie;
                options.Cluster.Listen = "127.0.0.1:0";
                options.Cluster.Join = i == 0 ? null : cluster._nodes[0].Endpoint;
                cluster._nodes.Add(await ProcessNode.StartAsync(options));
            }
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            foreach (var node in cluster._nodes)
            {
                foreach (var other in cluster._nodes.Where(o => o != node))
                {
                    if (!await node.PingAsync(other.Node).WaitAsync(deadline.Token))
                    {
                        throw new InvalidOperationException($"{node.Node} cannot reach {other.Node}.");
                    }
                }
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.StopAsync();
        }
    }
}

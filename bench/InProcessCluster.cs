using System.Diagnostics;
using ProcessGrid.Runtime;
using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Bench;

/// <summary>
/// Nodes in this OS process forming one cluster over loopback sockets, without a database: the first keeps the
/// development membership table, the others join it (as silos started with <c>--join</c> do).
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
                var options = new ProcessGridOptions { NodeName = $"bench{i}@localhost" };
                options.Cluster.ClusterId = clusterId;
                options.Cluster.Cookie = cookie;
                options.Cluster.Listen = "127.0.0.1:0";
                options.Cluster.Join = i == 0 ? null : cluster._nodes[0].Endpoint;
                cluster._nodes.Add(await ProcessNode.StartAsync(options));
            }
            var deadline = Stopwatch.StartNew();
            while (cluster._nodes.Any(n => n.Nodes.Count != count - 1))
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException($"The {count} benchmark nodes did not all connect within 30 s.");
                }
                await Task.Delay(10);
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
            await node.DisposeAsync();
        }
    }
}

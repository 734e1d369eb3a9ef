using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>
/// Several real nodes in this test process, joined into one cluster over loopback: real sockets, the real handshake,
/// real membership (the development provider with the first node as seed, or PostgreSQL when a database is given).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private static int _clusters;
    private readonly List<ProcessNode> _nodes = [];
    private readonly string _clusterId = $"test{Interlocked.Increment(ref _clusters)}-{Guid.NewGuid():N}"[..20];
    private readonly string? _database;
    private readonly Action<ProcessGridOptions>? _configure;
    private readonly IServiceProvider? _services;
    private int _nextName;

    private TestCluster(string? database, Action<ProcessGridOptions>? configure, IServiceProvider? services)
    {
        _database = database;
        _configure = configure;
        _services = services;
    }

    /// <summary>What every node of this cluster logs.</summary>
    public CapturedLog Log { get; } = new();

    /// <summary>The cluster's id (unique per test cluster).</summary>
    public string ClusterId => _clusterId;

    /// <summary>The cluster's cookie.</summary>
    public string Cookie => "test-cookie";

    /// <summary>The running nodes, in start order.</summary>
    public IReadOnlyList<ProcessNode> Nodes => _nodes;

    /// <summary>Node <paramref name="index"/>.</summary>
    public ProcessNode this[int index] => _nodes[index];

    /// <summary>Starts <paramref name="count"/> nodes, one after the other, each joining the cluster before the next starts.</summary>
    public static async Task<TestCluster> StartAsync(int count, string? database = null, Action<ProcessGridOptions>? configure = null, IServiceProvider? services = null)
    {
        var cluster = new TestCluster(database, configure, services);
        try
        {
            for (var i = 0; i < count; i++)
            {
                await cluster.AddNodeAsync();
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>The options a new node of this cluster gets (its name, loopback listen address, membership).</summary>
    public ProcessGridOptions OptionsFor(string name)
    {
        var options = new ProcessGridOptions { NodeName = $"{name}@localhost" };
        options.Cluster.ClusterId = _clusterId;
        options.Cluster.Cookie = Cookie;
        options.Cluster.Listen = "127.0.0.1:0";
        if (_database is not null)
        {
            options.Cluster.Database = _database;
        }
        else if (_nodes.Count > 0)
        {
            options.Cluster.Join = _nodes[0].Endpoint;
        }
        _configure?.Invoke(options);
        return options;
    }

    /// <summary>Starts one more node and waits until it has joined.</summary>
    public async Task<ProcessNode> AddNodeAsync(string? name = null, Action<ProcessGridOptions>? configure = null)
    {
        var options = OptionsFor(name ?? $"n{++_nextName}");
        configure?.Invoke(options);
        var node = await ProcessNode.StartAsync(options, _services, TestLogging.Factory(Log), TestContext.Current.CancellationToken);
        _nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Starts the silo executable as a member of this cluster, named <c>{name}@localhost</c> (it joins the first node,
    /// or uses the cluster's database), and waits until it runs.
    /// </summary>
    public Task<SiloProcess> StartSiloAsync(string name, params string[] extra) => _database is not null
        ? SiloProcess.StartMemberAsync($"{name}@localhost", _clusterId, Cookie, database: _database, extra: extra)
        : SiloProcess.StartMemberAsync($"{name}@localhost", _clusterId, Cookie, join: _nodes[0].Endpoint, extra: extra);

    /// <summary>
    /// Waits until every running node sees every other one connected, and places virtual processes on exactly the
    /// running nodes (so all of them agree where each key lives).
    /// </summary>
    public Task FullyConnected() => TestNode.Eventually(
        () =>
        {
            var running = _nodes.Where(IsRunning).ToList();
            var names = running.Select(n => n.Node).OrderBy(n => n.Value, StringComparer.Ordinal).ToList();
            return running.All(n => running.Where(o => o != n).All(o => n.Nodes.Contains(o.Node)) && n.Placement.Members.SequenceEqual(names));
        },
        "every node to be connected to every other and to place on all of them");

    private static bool IsRunning(ProcessNode node) => !node.Termination.IsCompleted;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.DisposeAsync();
        }
    }
}

using ProcessGrid.Client;

namespace ProcessGrid.Tests.Client;

/// <summary>Connects clients to a test cluster, with their logs in the cluster's captured log and the test's output.</summary>
public static class TestClients
{
    private static int _clients;

    /// <summary>
    /// The options of a client of <paramref name="cluster"/> (its id and cookie, a fresh name) that reaches it through
    /// <paramref name="gateways"/> (the first node when none is given).
    /// </summary>
    public static GridClientOptions OptionsFor(TestCluster cluster, params ProcessNode[] gateways)
    {
        var options = new GridClientOptions
        {
            ClusterId = cluster.ClusterId,
            Cookie = cluster.Cookie,
            Name = $"client{Interlocked.Increment(ref _clients)}@localhost",
        };
        foreach (var gateway in gateways.Length > 0 ? gateways : [cluster[0]])
        {
            options.Gateways.Add(gateway.Endpoint!);
        }
        return options;
    }

    /// <summary>Connects a client to <paramref name="cluster"/> through <paramref name="gateways"/> (the first node when none is given).</summary>
    public static Task<GridClient> ConnectAsync(TestCluster cluster, params ProcessNode[] gateways) => ConnectAsync(cluster, OptionsFor(cluster, gateways));

    /// <summary>Connects a client with <paramref name="options"/>, logging into <paramref name="cluster"/>'s log.</summary>
    public static Task<GridClient> ConnectAsync(TestCluster cluster, GridClientOptions options) =>
        GridClient.ConnectAsync(options, loggerFactory: TestLogging.Factory(cluster.Log), cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>A key of <typeparamref name="TProcess"/>'s kind that <paramref name="owner"/> owns among <paramref name="members"/>.</summary>
    public static string KeyOwnedBy<TProcess>(IProcessGrid grid, NodeName owner, IReadOnlyList<NodeName> members) where TProcess : GenServer
    {
        var kind = grid.Virtual<TProcess>("probe").Kind!;
        return Enumerable.Range(0, 10_000).Select(i => $"key-{i}")
            .First(key => Runtime.Placement.VirtualPlacement.OwnerAmong(Pid.ForVirtual(kind, key), [.. members.OrderBy(n => n.Value, StringComparer.Ordinal)]) == owner);
    }
}

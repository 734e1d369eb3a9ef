using ProcessGrid.Runtime.Placement;
using ProcessGrid.Samples;
using static ProcessGrid.Tests.Client.ClientProcesses;

namespace ProcessGrid.Tests.Client;

/// <summary>
/// A client against silos that run as their own OS processes and are killed (<c>kill -9</c>): when its gateway dies the
/// client follows the cluster through another node and keeps working; when a node dies, what the client waited for
/// there fails at once.
/// </summary>
public sealed class ClientFailoverTests
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task When_its_gateway_is_killed_the_client_follows_the_cluster_through_a_live_node_and_keeps_working()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        await using var gateway = await cluster.StartSiloAsync("gateway");
        await cluster.AddNodeAsync();
        var gatewayName = NodeName.Parse("gateway@localhost");
        await TestNode.Eventually(() => cluster.Nodes.All(n => n.Placement.Members.Count == 3), "the nodes to place on the silo too", Liveness);
        // Only the silo is configured: the client must find the other nodes through it.
        var options = TestClients.OptionsFor(cluster);
        options.Gateways.Clear();
        options.Gateways.Add(gateway.Endpoint);
        await using var client = await TestClients.ConnectAsync(cluster, options);
        Assert.Equal(gatewayName, client.Gateway);
        var events = Probe.WatchNodes(client);
        NodeName[] before = [cluster[0].Node, cluster[1].Node, gatewayName];
        NodeName[] after = [cluster[0].Node, cluster[1].Node];
        var key = Enumerable.Range(0, 1000).Select(i => $"visits-{i}").First(k =>
            VirtualPlacement.OwnerAmong(Pid.ForVirtual("counter", k), [.. before.Order()]) == gatewayName);
        var counter = client.Virtual<Counter>(key);
        Assert.Equal(gatewayName, await client.Call<NodeName>(counter, new Counter.Locate()));

        gateway.Kill();

        Assert.Equal(new NodeDown(gatewayName, NodeDownReason.ConnectionLost), await events.Expect<NodeDown>(within: Liveness));
        await TestNode.Eventually(() => client.Gateway is { } now && after.Contains(now), "the client to follow the cluster through a live node", Liveness);
        await TestNode.Eventually(() => client.Members.All(m => m.Node != gatewayName), "the client to hear that the gateway was declared dead", Liveness);
        Assert.Equal(after.Order(), client.Nodes);
        // The counter lived on the killed silo: the next call activates it again on a survivor.
        Assert.Equal(VirtualPlacement.OwnerAmong(counter, [.. after.Order()]), await client.Call<NodeName>(counter, new Counter.Locate()));
        Assert.Equal(1L, await client.Call<long>(counter, new Counter.Add(1)));
        // The view stays current through the new gateway: a node that joins now is seen and used.
        var joined = await cluster.AddNodeAsync();
        await events.Expect<NodeUp>(up => up.Node == joined.Node, Liveness);
        var onJoined = client.Virtual<Tally>(TestClients.KeyOwnedBy<Tally>(client, joined.Node, [.. after, joined.Node]));
        await TestNode.Eventually(() => client.InnerNode.Placement.Members.Contains(joined.Node), "the client to place on the new node", Liveness);
        Assert.Equal(joined.Node, await client.Call<NodeName>(onJoined, new Where()));
    }

    [Fact]
    public async Task When_a_node_is_killed_the_clients_calls_to_it_fail_with_nodedown_at_once_and_its_links_and_monitors_fire()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        await using var silo = await cluster.StartSiloAsync("doomed", "--ProcessGrid:Assemblies:0", typeof(Silent).Assembly.Location);
        var doomed = NodeName.Parse("doomed@localhost");
        await TestNode.Eventually(() => cluster[0].Placement.Members.Count == 2, "the node to see the silo active", Liveness);
        await using var client = await TestClients.ConnectAsync(cluster);
        Assert.Contains(doomed, client.Nodes);
        var events = Probe.WatchNodes(client);
        var watcher = await Probe.SpawnTrappingExits(client);
        var silent = await client.SpawnAsync<Silent>(doomed);
        var monitor = await watcher.Run(ctx => ctx.Monitor(silent));
        await watcher.Run(ctx => ctx.Link(silent));
        var pending = client.Call<int>(silent, new Defer(), Timeout.InfiniteTimeSpan).AsTask();

        silo.Kill();

        var failure = await Assert.ThrowsAsync<CallException>(() => pending).Within("the pending call to fail", Liveness);
        Assert.Equal(ExitReason.NodeDown(doomed), failure.Reason);
        Assert.Equal(new Down(monitor, silent, ExitReason.NoConnection), await watcher.Expect<Down>());
        Assert.Equal(new Exit(silent, ExitReason.NoConnection), await watcher.Expect<Exit>());
        Assert.Equal(new NodeDown(doomed, NodeDownReason.ConnectionLost), await events.Expect<NodeDown>());
        await TestNode.Eventually(() => client.Members.All(m => m.Node != doomed), "the client to hear that the node was declared dead", Liveness);
        var late = await Assert.ThrowsAsync<CallException>(async () => await client.Call<int>(silent, new Defer(), Timeout.InfiniteTimeSpan)).Within("a call to the dead node to fail");
        Assert.Equal(ExitReason.NodeDown(doomed), late.Reason);
    }
}

namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// The node API (Erlang's <c>net_kernel</c>): <c>Nodes</c>, <c>Ping</c>, and <c>MonitorNodes</c>, which tells a process
/// when a node comes up and when it goes down, and why.
/// </summary>
public sealed class NodeMonitoringTests
{
    [Fact]
    public async Task MonitorNodes_delivers_NodeUp_when_a_node_joins_and_NodeDown_Left_when_it_stops_gracefully()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var fromInside = Probe.Spawn(cluster[0]);
        await fromInside.Run(ctx => ctx.MonitorNodes());
        var fromOutside = Probe.Spawn(cluster[1]);
        cluster[1].MonitorNodes(fromOutside.Pid);

        var third = await cluster.AddNodeAsync();

        Assert.Equal(new NodeUp(third.Node), await fromInside.Expect<NodeUp>());
        Assert.Equal(new NodeUp(third.Node), await fromOutside.Expect<NodeUp>());

        await third.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new NodeDown(third.Node, NodeDownReason.Left), await fromInside.Expect<NodeDown>());
        Assert.Equal(new NodeDown(third.Node, NodeDownReason.Left), await fromOutside.Expect<NodeDown>());
        Assert.Empty(fromInside.Unexpected);
        Assert.Empty(fromOutside.Unexpected);
        Assert.DoesNotContain(third.Node, cluster[0].Nodes);
        Assert.DoesNotContain(third.Node, cluster[1].Nodes);
    }

    [Fact]
    public async Task Nodes_lists_the_connected_nodes_and_Ping_answers_pong_for_members_and_pang_otherwise()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.FullyConnected();

        Assert.Equal(new[] { cluster[1].Node, cluster[2].Node }.Order(), cluster[0].Nodes.Order());
        Assert.DoesNotContain(cluster[0].Node, cluster[0].Nodes);
        Assert.True(await cluster[0].PingAsync(cluster[2].Node));
        Assert.True(await cluster[0].PingAsync(cluster[0].Node));
        Assert.False(await cluster[0].PingAsync(NodeName.Parse("stranger@localhost")));

        await cluster[2].StopAsync(TestContext.Current.CancellationToken);

        await TestNode.Eventually(() => !cluster[0].Nodes.Contains(cluster[2].Node), "the stopped node to leave the list");
        Assert.Equal([cluster[1].Node], cluster[0].Nodes);
        Assert.False(await cluster[0].PingAsync(cluster[2].Node));
        Assert.True(await cluster[0].PingAsync(cluster[1].Node));
    }
}

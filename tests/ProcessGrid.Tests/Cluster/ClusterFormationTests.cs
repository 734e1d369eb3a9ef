namespace ProcessGrid.Tests.Cluster;

/// <summary>Nodes find each other and form a cluster; every node knows every other.</summary>
public sealed class ClusterFormationTests
{
    [Fact]
    public async Task A_node_joining_a_seed_node_connects_to_it_and_each_lists_the_other()
    {
        await using var cluster = await TestCluster.StartAsync(2);

        await cluster.FullyConnected();

        Assert.Equal([cluster[1].Node], cluster[0].Nodes);
        Assert.Equal([cluster[0].Node], cluster[1].Nodes);
        Assert.True(await cluster[0].PingAsync(cluster[1].Node));
    }

    [Fact]
    public async Task Three_nodes_form_a_full_mesh()
    {
        await using var cluster = await TestCluster.StartAsync(3);

        await cluster.FullyConnected();

        Assert.Equal(2, cluster[2].Nodes.Count);
    }

    [Fact]
    public async Task Ping_of_a_node_that_is_not_a_member_is_pang()
    {
        await using var cluster = await TestCluster.StartAsync(1);

        Assert.False(await cluster[0].PingAsync(NodeName.Parse("nobody@localhost")));
        Assert.True(await cluster[0].PingAsync(cluster[0].Node));
    }
}

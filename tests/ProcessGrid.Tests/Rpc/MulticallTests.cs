namespace ProcessGrid.Tests.Rpc;

/// <summary><c>rpc:multicall</c>: one function on many nodes at once; the results of those that answered, and why the others did not.</summary>
public sealed class MulticallTests
{
    private static readonly TimeSpan LongerThanAnyTest = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_multicall_returns_every_nodes_result_in_the_order_the_nodes_were_given()
    {
        await using var cluster = await TestCluster.StartAsync(3, configure: TestFunctions.Register);
        NodeName[] nodes = [cluster[2].Node, cluster[0].Node, cluster[1].Node];

        var outcome = await cluster[0].Rpc.Multicall<NodeName>(nodes, "where", []).Within("the multicall");

        Assert.True(outcome.AllSucceeded);
        Assert.Equal(nodes, outcome.Results.Keys);
        Assert.All(outcome.Results, pair => Assert.Equal(pair.Key, pair.Value));
    }

    [Fact]
    public async Task A_multicall_to_this_node_and_every_connected_one_reaches_them_all()
    {
        await using var cluster = await TestCluster.StartAsync(3, configure: TestFunctions.Register);
        await cluster.FullyConnected();

        var outcome = await cluster[1].Rpc.Multicall<int>("math.add", [20, 22]).Within("the multicall");

        Assert.Equal(cluster.Nodes.Select(n => n.Node).Order(), outcome.Results.Keys.Order());
        Assert.All(outcome.Results.Values, sum => Assert.Equal(42, sum));
    }

    [Fact]
    public async Task A_multicall_with_a_dead_node_returns_the_others_results_and_the_dead_node_with_nodedown_without_waiting_for_the_timeout()
    {
        await using var cluster = await TestCluster.StartAsync(3, configure: TestFunctions.Register);
        var dead = cluster[2].Node;
        await cluster[2].StopAsync(TestContext.Current.CancellationToken);

        var outcome = await cluster[0].Rpc.Multicall<int>([cluster[0].Node, cluster[1].Node, dead], "math.add", [1, 2], LongerThanAnyTest)
            .Within("the multicall to end well before its timeout");

        Assert.Equal([cluster[0].Node, cluster[1].Node], outcome.Results.Keys);
        Assert.All(outcome.Results.Values, sum => Assert.Equal(3, sum));
        var failure = Assert.Single(outcome.Failed);
        Assert.Equal(dead, failure.Key);
        Assert.Equal(RpcFailure.NodeDown, failure.Value.Failure);
    }

    [Fact]
    public async Task A_multicall_reports_each_failure_with_its_own_reason()
    {
        var never = new TaskCompletionSource();
        await using var cluster = await TestCluster.StartAsync(3, configure: TestFunctions.Register);
        cluster[1].Rpc.Register("ask", () => 1);
        cluster[2].Rpc.Register("ask", async () =>
        {
            await never.Task;
            return 2;
        });

        var outcome = await cluster[0].Rpc.Multicall<int>(cluster.Nodes.Select(n => n.Node), "ask", [], TimeSpan.FromSeconds(2))
            .Within("the multicall");

        Assert.Equal(1, Assert.Single(outcome.Results).Value);
        Assert.Equal(RpcFailure.Undef, outcome.Failed[cluster[0].Node].Failure);
        Assert.Equal(RpcFailure.Timeout, outcome.Failed[cluster[2].Node].Failure);
    }
}

namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// Every node talks to every other over its own connection (Erlang's fully connected nodes): losing one connection
/// does not cut a node off from the others, and membership is not shaken by it.
/// </summary>
public sealed class FullMeshTests
{
    public sealed record Letter(string Text);

    [Fact]
    public async Task A_message_from_A_to_C_is_delivered_while_B_is_disconnected_from_A_and_all_agree_on_three_active_nodes()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (a, b, c) = (cluster[0], cluster[1], cluster[2]);
        await cluster.FullyConnected();
        var onC = Probe.Spawn(c);
        var nodes = Probe.Spawn(a);
        a.MonitorNodes(nodes.Pid);

        Assert.True(a.Disconnect(b.Node));
        a.Send(onC.Pid, new Letter("from A"));
        b.Send(onC.Pid, new Letter("from B"));

        Assert.Equal(new Letter("from A"), await onC.Expect<Letter>(l => l.Text == "from A"));
        Assert.Equal(new Letter("from B"), await onC.Expect<Letter>(l => l.Text == "from B"));
        Assert.Equal(new NodeDown(b.Node, NodeDownReason.Disconnected), await nodes.Expect<NodeDown>());
        Assert.Contains(c.Node, a.Nodes);
        Assert.Contains(c.Node, b.Nodes);

        // The lost connection is not a lost node: it is back, and every view still holds the three nodes.
        await cluster.FullyConnected();
        var all = cluster.Nodes.Select(n => n.Node).Order().ToList();
        await TestNode.Eventually(
            () => cluster.Nodes.All(n => n.Membership!.ActiveNodes.Order().SequenceEqual(all)),
            "every node's membership view to list the three nodes as active");
    }
}

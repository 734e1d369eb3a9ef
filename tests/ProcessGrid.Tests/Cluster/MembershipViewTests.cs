using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Tests.Cluster;

/// <summary>Every node's view of the membership table converges on the same active members.</summary>
public sealed class MembershipViewTests
{
    [Fact]
    public async Task Every_node_including_the_seed_sees_every_member_active()
    {
        await using var cluster = await TestCluster.StartAsync(3);

        foreach (var node in cluster.Nodes)
        {
            await TestNode.Eventually(
                () => node.Membership!.View.Entries.Count(e => e.Status == NodeStatus.Active) == 3,
                $"{node.Node} to see three active members (it sees {string.Join(", ", node.Membership!.View.Entries.Select(e => $"{e.Name}:{e.Status}"))})");
        }
    }
}

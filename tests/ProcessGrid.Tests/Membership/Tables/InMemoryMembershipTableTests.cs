using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Tests.Membership.Tables;

/// <summary>The membership table contract, against the in-memory table of the development provider.</summary>
public sealed class InMemoryMembershipTableTests : MembershipTableContract
{
    /// <summary>One table per cluster: every node of a development cluster uses the seed's one table.</summary>
    private readonly Dictionary<string, InMemoryMembershipTable> _clusters = [];

    private protected override IMembershipTable OpenTable(string clusterId)
    {
        lock (_clusters)
        {
            if (!_clusters.TryGetValue(clusterId, out var table))
            {
                _clusters[clusterId] = table = new InMemoryMembershipTable();
            }
            return table;
        }
    }
}

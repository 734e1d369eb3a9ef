using ProcessGrid.Runtime.Groups;

namespace ProcessGrid.Tests.Groups;

/// <summary>
/// The scope process's working copy of its groups: changes of a batch are applied together (joins, then leaves) and
/// stay to be published even when something read the groups in between (a subscription in the same batch).
/// </summary>
public sealed class ScopeGroupsTests
{
    private static readonly NodeName Self = NodeName.Parse("self@localhost");
    private static readonly NodeName Other = NodeName.Parse("other@localhost");

    [Fact]
    public void Changes_read_in_the_middle_of_a_batch_are_still_published_at_its_end()
    {
        var groups = new ScopeGroups(Self);
        var pid = Pid.ForSpawned(Self, 1, 10);
        groups.Join("g", [pid]);

        Assert.Equal([pid], groups.Current()["g"].Members);

        Assert.True(groups.HasUnpublishedChanges);
        Assert.Equal([pid], groups.TakeUnpublished()["g"].LocalMembers);
        Assert.False(groups.HasUnpublishedChanges);
    }

    [Fact]
    public void A_batch_of_joins_and_leaves_ends_as_if_applied_in_order_and_empty_groups_are_dropped()
    {
        var groups = new ScopeGroups(Self);
        var (local, remote) = (Pid.ForSpawned(Self, 1, 10), Pid.ForSpawned(Other, 1, 10));
        groups.Join("g", [local, remote]);
        groups.Leave("g", [local]);
        groups.Join("g", [local, local]);
        groups.Join("h", [remote]);
        groups.Leave("h", [remote]);

        var view = groups.TakeUnpublished();

        Assert.Equal(["g"], view.Keys);
        Assert.Equal(3, view["g"].Members.Count);
        Assert.Equal(2, view["g"].Members.Count(p => p == local));
        Assert.Equal([local, local], view["g"].LocalMembers);
        Assert.Equal(new BroadcastTargets([local], [Other], 1).Count, view["g"].TargetsFor(Self).Count);
        Assert.Equal([Other], view["g"].TargetsFor(Self).RemoteNodes);
    }
}

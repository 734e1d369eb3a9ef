using ProcessGrid.Runtime.Groups;

namespace ProcessGrid.Tests.Groups;

/// <summary>
/// The members' storage that versions of a group share: a version a reader holds never changes, whatever is appended
/// or removed afterwards, and extending an older version never disturbs a newer one.
/// </summary>
public sealed class MemberListTests
{
    private static readonly NodeName Node = NodeName.Parse("self@localhost");

    private static Pid P(long id) => Pid.ForSpawned(Node, 1, id);

    [Fact]
    public void A_version_is_unchanged_by_appends_and_removals_made_after_it()
    {
        var one = MemberList.Empty.Append([P(1)]);
        var two = one.Append([P(2)]);
        var three = two.Append([P(3), P(4)]);
        var fewer = three.Without([P(2)]);

        Assert.Equal([P(1)], one);
        Assert.Equal([P(1), P(2)], two);
        Assert.Equal([P(1), P(2), P(3), P(4)], three);
        Assert.Equal([P(1), P(3), P(4)], fewer);
        Assert.Empty(MemberList.Empty);
    }

    [Fact]
    public void Extending_an_older_version_leaves_the_newer_ones_as_they_were()
    {
        var start = MemberList.Empty.Append([P(1), P(2)]);
        var newer = start.Append([P(3)]);

        var branch = start.Append([P(9)]);

        Assert.Equal([P(1), P(2), P(3)], newer);
        Assert.Equal([P(1), P(2), P(9)], branch);
    }

    [Fact]
    public void Without_removes_one_occurrence_per_listed_pid_and_ignores_the_absent()
    {
        var list = MemberList.Empty.Append([P(1), P(1), P(2), P(1)]);

        Assert.Equal([P(2), P(1)], list.Without([P(1), P(1), P(7)])); // The first occurrences go.
        Assert.Same(list, list.Without([P(7)]));
        Assert.Same(MemberList.Empty, list.Without([P(1), P(1), P(1), P(2)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => list[4]);
    }

    [Fact]
    public void Many_appends_one_at_a_time_keep_every_version_right()
    {
        var versions = new List<MemberList> { MemberList.Empty };
        for (var i = 1; i <= 1000; i++)
        {
            versions.Add(versions[^1].Append([P(i)]));
        }

        for (var i = 0; i <= 1000; i++)
        {
            Assert.Equal(Enumerable.Range(1, i).Select(n => P(n)), versions[i]);
        }
    }
}

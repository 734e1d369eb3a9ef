using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Tests.Membership.Tables;

/// <summary>Rows for the membership table tests, and how to compare a row written with the row read back.</summary>
internal static class MembershipRows
{
    /// <summary>
    /// A time with a non-UTC offset and ticks below the microsecond (…0.5358979 s): tables keep it in UTC to the
    /// microsecond, so it reads back as …0.535897 s, which still has a sub-millisecond part.
    /// </summary>
    public static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.FromHours(2)).AddTicks(5_358_979);

    /// <summary>A node name on the loopback host.</summary>
    public static NodeName Node(string name) => NodeName.Create(name, "127.0.0.1");

    /// <summary>A row of node <paramref name="name"/>, started and last alive at <see cref="T0"/> unless told otherwise.</summary>
    public static MembershipEntry Row(string name, long creation = 1, NodeStatus status = NodeStatus.Joining, DateTimeOffset? iAmAliveAt = null, params SuspectVote[] votes) =>
        new(Node(name), creation, $"127.0.0.1:{4000 + creation % 1000}", status, votes, T0, iAmAliveAt ?? T0);

    /// <summary><paramref name="at"/> cut to the microsecond, as a table keeps it.</summary>
    public static DateTimeOffset Microseconds(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);

    /// <summary>Asserts that <paramref name="actual"/>, read from a table, is <paramref name="written"/> with its times to the microsecond.</summary>
    public static void AssertStoredAs(MembershipEntry written, MembershipEntry actual)
    {
        Assert.Equal(written.Name, actual.Name);
        Assert.Equal(written.Creation, actual.Creation);
        Assert.Equal(written.Endpoint, actual.Endpoint);
        Assert.Equal(written.Status, actual.Status);
        Assert.Equal(written.Votes.Select(v => v with { At = Microseconds(v.At) }), actual.Votes);
        Assert.Equal(Microseconds(written.StartedAt), actual.StartedAt);
        Assert.Equal(Microseconds(written.IAmAliveAt), actual.IAmAliveAt);
    }
}

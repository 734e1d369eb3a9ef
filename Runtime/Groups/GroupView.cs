namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// One group as the scope process last published it: its members everywhere and its members on this node, a process
/// once per membership. Immutable: readers hold it as long as they like, and a change is a new view that shares the
/// members' storage with this one where it can (see <see cref="MemberList"/>: joins cost O(1) each, the leaves of a
/// batch one pass over the group).
/// </summary>
internal sealed class GroupView
{
    private BroadcastTargets? _targets;

    private GroupView(MemberList members, MemberList localMembers)
    {
        Members = members;
        LocalMembers = localMembers;
    }

    /// <summary>The group before anyone joined it.</summary>
    public static GroupView Empty { get; } = new(MemberList.Empty, MemberList.Empty);

    /// <summary>Every membership, on every node.</summary>
    public MemberList Members { get; }

    /// <summary>The memberships of processes of this node.</summary>
    public MemberList LocalMembers { get; }

    /// <summary>True when nobody is a member: the group is then dropped from the scope.</summary>
    public bool IsEmpty => Members.IsEmpty;

    /// <summary>
    /// The group with <paramref name="joined"/> added and then one membership per pid of <paramref name="left"/>
    /// removed; the processes of <paramref name="self"/> also join or leave <see cref="LocalMembers"/>.
    /// </summary>
    public GroupView With(List<Pid> joined, List<Pid> left, NodeName self)
    {
        var members = Members.Append(joined).Without(left);
        var local = LocalMembers.Append(joined.FindAll(pid => pid.Node == self)).Without(left.FindAll(pid => pid.Node == self));
        return new GroupView(members, local);
    }

    /// <summary>Where a broadcast to the group goes, worked out once per view on first use.</summary>
    public BroadcastTargets TargetsFor(NodeName self) => _targets ??= BroadcastTargets.Of(Members, self);
}

/// <summary>Where a broadcast to one group goes: each local member once, and each other node with members once.</summary>
/// <param name="Local">The distinct members on this node.</param>
/// <param name="RemoteNodes">The other nodes that have members.</param>
/// <param name="RemoteCount">How many distinct members the other nodes have.</param>
internal sealed record BroadcastTargets(Pid[] Local, NodeName[] RemoteNodes, int RemoteCount)
{
    /// <summary>The targets of a group with <paramref name="members"/>, seen from <paramref name="self"/>.</summary>
    public static BroadcastTargets Of(MemberList members, NodeName self)
    {
        var local = new List<Pid>();
        var seen = new HashSet<Pid>(members.Count);
        var nodes = new HashSet<NodeName>();
        var remoteCount = 0;
        foreach (var pid in members.AsSpan())
        {
            if (!seen.Add(pid))
            {
                continue; // Joined more than once: it gets a broadcast once.
            }
            if (pid.Node == self)
            {
                local.Add(pid);
                continue;
            }
            remoteCount++;
            nodes.Add(pid.Node);
        }
        return new BroadcastTargets([.. local], [.. nodes], remoteCount);
    }

    /// <summary>How many processes a broadcast reaches.</summary>
    public int Count => Local.Length + RemoteCount;
}

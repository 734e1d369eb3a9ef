using System.Collections.Immutable;

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// One group as the scope process last published it: its members everywhere and its members on this node, a process
/// once per membership. Immutable: readers hold it as long as they like, and a change is a new view that shares most
/// of this one (a join costs O(log n) rather than a copy of the group; the leaves of a batch cost one pass over it).
/// </summary>
internal sealed class GroupView
{
    private BroadcastTargets? _targets;

    private GroupView(ImmutableList<Pid> members, ImmutableList<Pid> localMembers)
    {
        Members = members;
        LocalMembers = localMembers;
    }

    /// <summary>The group before anyone joined it.</summary>
    public static GroupView Empty { get; } = new([], []);

    /// <summary>Every membership, on every node.</summary>
    public ImmutableList<Pid> Members { get; }

    /// <summary>The memberships of processes of this node.</summary>
    public ImmutableList<Pid> LocalMembers { get; }

    /// <summary>True when nobody is a member: the group is then dropped from the scope.</summary>
    public bool IsEmpty => Members.IsEmpty;

    /// <summary>
    /// The group with <paramref name="joined"/> added and then one membership per pid of <paramref name="left"/>
    /// removed; the processes of <paramref name="self"/> also join or leave <see cref="LocalMembers"/>.
    /// </summary>
    public GroupView With(List<Pid> joined, List<Pid> left, NodeName self)
    {
        var members = Members;
        var local = LocalMembers;
        if (joined.Count > 0)
        {
            members = joined.Count == 1 ? members.Add(joined[0]) : members.AddRange(joined);
            local = Added(local, joined, self);
        }
        if (left.Count > 0)
        {
            members = Without(members, left);
            var localLeft = left.FindAll(pid => pid.Node == self);
            if (localLeft.Count > 0)
            {
                local = Without(local, localLeft);
            }
        }
        return new GroupView(members, local);
    }

    private static ImmutableList<Pid> Added(ImmutableList<Pid> local, List<Pid> joined, NodeName self)
    {
        foreach (var pid in joined)
        {
            if (pid.Node == self)
            {
                local = local.Add(pid);
            }
        }
        return local;
    }

    /// <summary>Where a broadcast to the group goes, worked out once per view on first use.</summary>
    public BroadcastTargets TargetsFor(NodeName self) => _targets ??= BroadcastTargets.Of(Members, self);

    private static ImmutableList<Pid> Without(ImmutableList<Pid> list, List<Pid> pids)
    {
        if (pids.Count == 1)
        {
            return list.Remove(pids[0]);
        }
        // One pass over the group for many removals (a node's members leaving at once), not one search per pid.
        var remaining = new Dictionary<Pid, int>(pids.Count);
        foreach (var pid in pids)
        {
            remaining[pid] = remaining.GetValueOrDefault(pid) + 1;
        }
        var kept = new List<Pid>(Math.Max(0, list.Count - pids.Count));
        foreach (var pid in list)
        {
            if (remaining.TryGetValue(pid, out var count) && count > 0)
            {
                remaining[pid] = count - 1;
                continue;
            }
            kept.Add(pid);
        }
        return ImmutableList.CreateRange(kept);
    }
}

/// <summary>Where a broadcast to one group goes: each local member once, and each other node with members once.</summary>
/// <param name="Local">The distinct members on this node.</param>
/// <param name="RemoteNodes">The other nodes that have members.</param>
/// <param name="RemoteCount">How many distinct members the other nodes have.</param>
internal sealed record BroadcastTargets(Pid[] Local, NodeName[] RemoteNodes, int RemoteCount)
{
    /// <summary>The targets of a group with <paramref name="members"/>, seen from <paramref name="self"/>.</summary>
    public static BroadcastTargets Of(ImmutableList<Pid> members, NodeName self)
    {
        var local = new List<Pid>();
        var remote = new HashSet<Pid>();
        var nodes = new List<NodeName>();
        var seenLocal = new HashSet<Pid>();
        foreach (var pid in members)
        {
            if (pid.Node == self)
            {
                if (seenLocal.Add(pid))
                {
                    local.Add(pid);
                }
            }
            else if (remote.Add(pid) && !nodes.Contains(pid.Node))
            {
                nodes.Add(pid.Node);
            }
        }
        return new BroadcastTargets([.. local], [.. nodes], remote.Count);
    }

    /// <summary>How many processes a broadcast reaches.</summary>
    public int Count => Local.Length + RemoteCount;
}

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// The same scope on another node, as this scope knows it: its process (monitored, so that its exit or its node's loss
/// ends its members here) and the members of its node, per group, as counts per process.
/// </summary>
internal sealed class PeerScope(Pid process, MonitorRef monitor, ProcessNode node)
{
    /// <summary>The peer's scope process.</summary>
    public Pid Process { get; } = process;

    /// <summary>This scope's monitor on it.</summary>
    public MonitorRef Monitor { get; } = monitor;

    /// <summary>Its node's members: group → process → memberships.</summary>
    public Dictionary<string, Dictionary<Pid, int>> Groups { get; private set; } = new(StringComparer.Ordinal);

    /// <summary>The parts of a sync received so far, while more are to come; null between syncs.</summary>
    public Dictionary<string, Dictionary<Pid, int>>? IncomingSync { get; set; }

    /// <summary>The process number <paramref name="id"/> of the peer's node run, attached to this node for sending.</summary>
    public Pid PidOf(long id)
    {
        var pid = Pid.ForSpawned(Process.Node, Process.Creation, id);
        pid.Host = node;
        return pid;
    }

    /// <summary>The processes numbered <paramref name="ids"/> of the peer's node.</summary>
    public List<Pid> PidsOf(long[] ids)
    {
        var pids = new List<Pid>(ids.Length);
        foreach (var id in ids)
        {
            pids.Add(PidOf(id));
        }
        return pids;
    }

    /// <summary>Records memberships of <paramref name="pids"/> in <paramref name="group"/>.</summary>
    public void Join(string group, List<Pid> pids)
    {
        if (!Groups.TryGetValue(group, out var members))
        {
            Groups[group] = members = [];
        }
        foreach (var pid in pids)
        {
            members[pid] = members.GetValueOrDefault(pid) + 1;
        }
    }

    /// <summary>Removes one membership per pid of <paramref name="pids"/>; returns those that were members (the others are ignored).</summary>
    public List<Pid> Leave(string group, List<Pid> pids)
    {
        var left = new List<Pid>(pids.Count);
        if (!Groups.TryGetValue(group, out var members))
        {
            return left;
        }
        foreach (var pid in pids)
        {
            if (!members.TryGetValue(pid, out var count))
            {
                continue;
            }
            if (count == 1)
            {
                members.Remove(pid);
            }
            else
            {
                members[pid] = count - 1;
            }
            left.Add(pid);
        }
        if (members.Count == 0)
        {
            Groups.Remove(group);
        }
        return left;
    }

    /// <summary>Replaces what is known with <paramref name="groups"/> (a sync); returns what that changed, group by group.</summary>
    public List<(string Group, List<Pid> Joined, List<Pid> Left)> Replace(Dictionary<string, Dictionary<Pid, int>> groups)
    {
        var changes = new List<(string, List<Pid>, List<Pid>)>();
        foreach (var (group, members) in groups)
        {
            Groups.TryGetValue(group, out var before);
            var joined = new List<Pid>();
            var left = new List<Pid>();
            foreach (var (pid, count) in members)
            {
                var had = before?.GetValueOrDefault(pid) ?? 0;
                Repeat(count > had ? joined : left, pid, Math.Abs(count - had));
            }
            if (before is not null)
            {
                foreach (var (pid, had) in before)
                {
                    if (!members.ContainsKey(pid))
                    {
                        Repeat(left, pid, had);
                    }
                }
            }
            if (joined.Count > 0 || left.Count > 0)
            {
                changes.Add((group, joined, left));
            }
        }
        foreach (var (group, before) in Groups)
        {
            if (!groups.ContainsKey(group))
            {
                changes.Add((group, [], Expand(before)));
            }
        }
        Groups = groups;
        return changes;
    }

    /// <summary>Every membership per group, for when the peer is gone.</summary>
    public IEnumerable<(string Group, List<Pid> Members)> All() => Groups.Select(g => (g.Key, Expand(g.Value)));

    /// <summary>Each process as many times as it is a member.</summary>
    public static List<Pid> Expand(Dictionary<Pid, int> members)
    {
        var pids = new List<Pid>(members.Count);
        foreach (var (pid, count) in members)
        {
            Repeat(pids, pid, count);
        }
        return pids;
    }

    private static void Repeat(List<Pid> into, Pid pid, int times)
    {
        for (var i = 0; i < times; i++)
        {
            into.Add(pid);
        }
    }
}

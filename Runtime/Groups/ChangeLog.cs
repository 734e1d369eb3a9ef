namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// Membership changes not yet passed on (to the peer scopes, or to subscribers), in the order they happened. Adjacent
/// changes of the same kind to the same group are merged, so a burst of joins to one group travels as one change.
/// </summary>
internal sealed class ChangeLog
{
    private readonly List<GroupChange> _changes = [];

    /// <summary>True when nothing is waiting.</summary>
    public bool IsEmpty => _changes.Count == 0;

    /// <summary>Records that <paramref name="pids"/> joined (or left) <paramref name="group"/>, once per membership.</summary>
    public void Add(bool joined, string group, IReadOnlyList<Pid> pids)
    {
        if (pids.Count == 0)
        {
            return;
        }
        if (_changes.Count > 0 && _changes[^1] is var last && last.Joined == joined && string.Equals(last.Group, group, StringComparison.Ordinal))
        {
            last.Pids.AddRange(pids);
            return;
        }
        _changes.Add(new GroupChange(joined, group, [.. pids]));
    }

    /// <summary>Hands over the waiting changes, oldest first, and starts empty.</summary>
    public GroupChange[] Take()
    {
        var taken = _changes.ToArray();
        _changes.Clear();
        return taken;
    }
}

/// <summary>Processes that joined or left one group.</summary>
/// <param name="Joined">True for joins, false for leaves.</param>
/// <param name="Group">The group.</param>
/// <param name="Pids">The processes, once per membership.</param>
internal sealed record GroupChange(bool Joined, string Group, List<Pid> Pids);

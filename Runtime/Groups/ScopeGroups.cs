using System.Collections.Immutable;

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// The scope process's working copy of its groups: the last view it published plus the joins and leaves since. Changes
/// are collected per group and applied together when the view is next needed (to publish it at the end of a batch of
/// messages, or when a subscription must see the groups as they are), so that a burst of joins or exits costs one pass
/// over each group it touches rather than one pass per process.
/// </summary>
/// <remarks>
/// Within a batch, a group's joins are applied before its leaves. That gives the same memberships as applying them
/// in order, because every leave the scope records ends a membership that existed at that moment: adding the later
/// joins first can only leave more to remove.
/// </remarks>
internal sealed class ScopeGroups(NodeName self)
{
    private readonly ImmutableDictionary<string, GroupView>.Builder _groups = ScopeView.Empty.Groups.ToBuilder();
    private readonly Dictionary<string, PendingChanges> _pending = new(StringComparer.Ordinal);

    /// <summary>True when something changed since the view was last published (see <see cref="TakeUnpublished"/>).</summary>
    public bool HasUnpublishedChanges { get; private set; }

    /// <summary>Records memberships of <paramref name="pids"/> in <paramref name="group"/>.</summary>
    public void Join(string group, IReadOnlyList<Pid> pids) => Pending(group).Joined.AddRange(pids);

    /// <summary>Records the end of one membership per pid of <paramref name="pids"/> in <paramref name="group"/>.</summary>
    public void Leave(string group, IReadOnlyList<Pid> pids) => Pending(group).Left.AddRange(pids);

    /// <summary>The groups with every recorded change applied (they still count as unpublished).</summary>
    public ImmutableDictionary<string, GroupView> Current()
    {
        foreach (var (group, changes) in _pending)
        {
            var view = _groups.TryGetValue(group, out var existing) ? existing : GroupView.Empty;
            view = view.With(changes.Joined, changes.Left, self);
            if (view.IsEmpty)
            {
                _groups.Remove(group);
            }
            else
            {
                _groups[group] = view;
            }
        }
        _pending.Clear();
        return _groups.ToImmutable();
    }

    /// <summary>The groups to publish, with every change applied; afterwards nothing counts as unpublished.</summary>
    public ImmutableDictionary<string, GroupView> TakeUnpublished()
    {
        HasUnpublishedChanges = false;
        return Current();
    }

    private PendingChanges Pending(string group)
    {
        HasUnpublishedChanges = true;
        if (!_pending.TryGetValue(group, out var changes))
        {
            _pending[group] = changes = new PendingChanges();
        }
        return changes;
    }

    private sealed class PendingChanges
    {
        public List<Pid> Joined { get; } = [];

        public List<Pid> Left { get; } = [];
    }
}

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// The processes subscribed to a scope's changes (<c>pg:monitor_scope</c>) or to one group's (<c>pg:monitor</c>). A
/// subscription's reference is the scope's monitor on its subscriber, so the subscriber's exit ends it.
/// </summary>
internal sealed class ScopeSubscriptions(ProcessNode node)
{
    private readonly Dictionary<MonitorRef, Pid> _scopeWide = [];
    private readonly Dictionary<MonitorRef, (Pid Subscriber, string Group)> _perGroup = [];
    private readonly Dictionary<string, List<(MonitorRef Ref, Pid Subscriber)>> _byGroup = new(StringComparer.Ordinal);

    /// <summary>True when nobody is subscribed (changes then need not be recorded for anyone).</summary>
    public bool IsEmpty => _scopeWide.Count == 0 && _perGroup.Count == 0;

    /// <summary>Subscribes <paramref name="subscriber"/> to every change of the scope.</summary>
    public void AddScopeWide(MonitorRef monitorRef, Pid subscriber) => _scopeWide[monitorRef] = subscriber;

    /// <summary>Subscribes <paramref name="subscriber"/> to the changes of <paramref name="group"/>.</summary>
    public void AddGroup(MonitorRef monitorRef, Pid subscriber, string group)
    {
        _perGroup[monitorRef] = (subscriber, group);
        if (!_byGroup.TryGetValue(group, out var subscribers))
        {
            _byGroup[group] = subscribers = [];
        }
        subscribers.Add((monitorRef, subscriber));
    }

    /// <summary>Ends a subscription; false when there was none with that reference.</summary>
    public bool Remove(MonitorRef monitorRef)
    {
        if (_scopeWide.Remove(monitorRef))
        {
            return true;
        }
        if (!_perGroup.Remove(monitorRef, out var entry))
        {
            return false;
        }
        var subscribers = _byGroup[entry.Group];
        subscribers.RemoveAll(s => s.Ref == monitorRef);
        if (subscribers.Count == 0)
        {
            _byGroup.Remove(entry.Group);
        }
        return true;
    }

    /// <summary>Tells every subscriber concerned about <paramref name="change"/>.</summary>
    public void Notify(IProcessContext ctx, string scope, GroupChange change)
    {
        IReadOnlyList<Pid> pids = change.Pids.ToArray();
        foreach (var (monitorRef, subscriber) in _scopeWide)
        {
            Tell(ctx, subscriber, Message(monitorRef, scope, change, pids));
        }
        if (_byGroup.TryGetValue(change.Group, out var subscribers))
        {
            foreach (var (monitorRef, subscriber) in subscribers)
            {
                Tell(ctx, subscriber, Message(monitorRef, scope, change, pids));
            }
        }
    }

    private void Tell(IProcessContext ctx, Pid subscriber, object message)
    {
        // A subscriber that has exited is skipped, not sent a dead letter: its Down is on the way and ends the subscription.
        if (!node.IsExitedLocalProcess(subscriber))
        {
            ctx.Send(subscriber, message);
        }
    }

    private static object Message(MonitorRef monitorRef, string scope, GroupChange change, IReadOnlyList<Pid> pids) => change.Joined
        ? new GroupJoined(monitorRef, scope, change.Group, pids)
        : new GroupLeft(monitorRef, scope, change.Group, pids);
}

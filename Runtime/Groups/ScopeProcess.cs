namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// The process of one process-group scope on one node (Erlang's <c>pg</c> server): it keeps the scope's groups, changes
/// them, exchanges them with the same scope on the other nodes, and publishes them for lock-free reading.
/// </summary>
/// <remarks>
/// <para><b>What it is.</b> Groups are eventually consistent, like pg's: no lock, no global agreement, no database.
/// Each node is the authority on its own processes' memberships, and tells the others. Empty groups are not kept (a
/// group with no origin node could be deleted on one side of a split and live on at the other), so a group exists
/// while it has members. Only processes of this node join through it.</para>
/// <para><b>Exchange protocol</b> (between the processes of the same scope; other scopes never hear of it):</para>
/// <list type="bullet">
/// <item>On start, and whenever a node comes up (<see cref="NodeUp"/>), the scope sends <see cref="ScopeDiscover"/>
/// to the scope on that node (pg's <c>{Scope, Node} ! {discover, self()}</c>); a node that does not run the scope
/// ignores it. These messages travel as <see cref="ScopeProtocolFrame"/>s: not user messages, never dead letters.</item>
/// <item>A scope that is discovered answers with <see cref="ScopeSync"/>: every membership of its node. If it did not
/// know the discoverer, it monitors it, adds it to its peers and discovers it back, so both ends sync.</item>
/// <item>A <see cref="ScopeSync"/> replaces all a scope knew of the sender's node (unknown senders become peers and are
/// monitored); the differences are reported to subscribers as joins and leaves. A big sync comes in parts, sent one
/// after the other, and takes effect with the last.</item>
/// <item>Local joins and leaves, and the leaves of local members that exit, are sent to every peer as a
/// <see cref="ScopeUpdate"/>. Updates from a process that is not a peer are ignored: a sync from it will follow.</item>
/// <item>The end of a peer (its <see cref="Down"/>: it exited, or its node's connection was lost; or the
/// <see cref="NodeDown"/> of its node) removes all of its node's members here.</item>
/// </list>
/// <para><b>Invariants.</b> A sync is a cut: every update the scope made before sending a sync is sent before it, so
/// the receiver never counts a membership twice. A peer's messages arrive in the order sent (one connection per pair of
/// nodes), so a sync or an update never overtakes an earlier one, and a peer's <see cref="Down"/> comes after them all.
/// Every membership of a local process is matched by a monitor on it, so no exited process stays a member.</para>
/// <para><b>Batches.</b> The process handles what its mailbox holds (up to <see cref="MaxBatch"/> messages), then
/// publishes the new view, tells subscribers, sends one update to each peer, and only then replies to the calls of the
/// batch, so a <c>JoinAsync</c> that returned is visible to every reader on this node. Under load, many joins thus
/// travel as one message; alone, a join still goes out at once.</para>
/// </remarks>
internal sealed partial class ScopeProcess(GroupScope scope) : GridProcess
{
    /// <summary>The most messages handled before the view is published and calls are answered.</summary>
    private const int MaxBatch = 1024;

    /// <summary>
    /// The most memberships one update or sync message carries (a bigger one goes as several, in order): about 1 MB
    /// written, well within a frame's size.
    /// </summary>
    private const int MaxIdsPerMessage = 65_536;

    // Local processes that are members, with the scope's monitor on each and the groups they joined (pg's 'local').
    private readonly Dictionary<Pid, LocalMembership> _local = [];

    // The same scope on other nodes, with their members (pg's 'remote').
    private readonly Dictionary<Pid, PeerScope> _peers = [];

    // Who is told of changes (pg's scope_monitors and group_monitors).
    private readonly ScopeSubscriptions _subscriptions = new(scope.Node);

    // The groups, as published plus the changes of the batch being handled.
    private readonly ScopeGroups _groups = new(scope.Node.Node);

    // Local changes not yet sent to the peers, and changes not yet told to subscribers.
    private readonly ChangeLog _unsent = new();
    private readonly ChangeLog _untold = new();

    // Calls of the batch, answered once its changes are published.
    private readonly List<(CallFrom From, object? Reply)> _replies = [];

    private IProcessContext _ctx = null!;

    // Set by an exit signal: the process finishes its batch, then stops.
    private ExitReason? _exit;

    /// <inheritdoc />
    protected internal override async Task RunAsync(IProcessContext ctx)
    {
        _ctx = ctx;
        scope.Process = ctx.Self; // Before the first discover: the answers are delivered only to the scope's current process.
        ctx.TrapExit = true; // To stop tidily (see StopAsync) when the node shuts it down.
        // Subscribe before looking at who is connected, so that a node that connects in between is discovered anyway.
        ctx.MonitorNodes();
        foreach (var node in ctx.Grid.Nodes)
        {
            Discover(node);
        }
        while (_exit is null)
        {
            Handle(await ctx.Receive());
            for (var handled = 1; handled < MaxBatch && _exit is null; handled++)
            {
                var next = await ctx.Receive<object>(TimeSpan.Zero);
                if (next.TimedOut)
                {
                    break;
                }
                Handle(next.Message);
            }
            EndBatch();
        }
        await StopAsync(_exit);
    }

    /// <summary>
    /// Ends the process on an exit signal (the node's shutdown): no more node notifications, and those already queued
    /// are dropped rather than left to become dead letters (they are the runtime's, not anyone's lost messages).
    /// </summary>
    private async Task StopAsync(ExitReason reason)
    {
        _ctx.MonitorNodes(enable: false);
        while ((await _ctx.Receive<object>(TimeSpan.Zero, static m => m is NodeUp or NodeDown)).TryGet(out _))
        {
        }
        _ctx.Exit(reason);
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case CallRequest { Request: JoinRequest join } call:
                Join(join.Group, join.Pids, call.From);
                break;
            case CallRequest { Request: LeaveRequest leave } call:
                Leave(leave.Group, leave.Pids, call.From);
                break;
            case CallRequest { Request: MonitorScopeRequest request } call:
                MonitorScope(request.Subscriber, call.From);
                break;
            case CallRequest { Request: MonitorGroupRequest request } call:
                MonitorGroup(request.Subscriber, request.Group, call.From);
                break;
            case CallRequest { Request: DemonitorRequest request } call:
                Demonitor(request.Ref, call.From);
                break;
            case ScopeDiscover discover:
                OnDiscover(discover.Scope);
                break;
            case ScopeSync sync:
                OnSync(sync);
                break;
            case ScopeUpdate update:
                OnUpdate(update);
                break;
            case Down down:
                OnDown(down);
                break;
            case NodeUp up:
                Discover(up.Node);
                break;
            case NodeDown down:
                OnNodeDown(down.Node);
                break;
            case Exit exit:
                // Trapping only to stop tidily: the signal has the effect it would have on a process that does not trap.
                if (exit.Reason.Kind != ExitReasonKind.Normal || exit.From == _ctx.Self)
                {
                    _exit = exit.Reason;
                }
                break;
            case CallRequest call:
                Fail(call.From, $"the process-group scope '{scope.Name}' does not handle {call.Request.GetType().Name} requests");
                break;
            default:
                _ctx.Grid.DeadLetters.Report(_ctx.Self.ToString(), message, $"not a message the process-group scope '{scope.Name}' handles");
                break;
        }
    }

    /// <summary>Publishes the batch's changes, tells subscribers and peers, then answers the batch's calls.</summary>
    private void EndBatch()
    {
        if (_groups.HasUnpublishedChanges)
        {
            scope.Publish(new ScopeView(_groups.TakeUnpublished()));
        }
        TellSubscribers();
        SendUnsent();
        foreach (var (from, reply) in _replies)
        {
            _ctx.Reply(from, reply);
        }
        _replies.Clear();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Local joins and leaves
    // ------------------------------------------------------------------------------------------------------------

    private void Join(string group, Pid[] pids, CallFrom from)
    {
        if (Array.Find(pids, pid => !scope.IsLocal(pid)) is { } stranger)
        {
            Fail(from, $"{stranger} is not a process of {scope.Node.Node}: only local processes join through a node");
            return;
        }
        foreach (var pid in pids)
        {
            if (!_local.TryGetValue(pid, out var membership))
            {
                // A process that has already exited is monitored all the same: its Down (noproc) ends the membership.
                _local[pid] = membership = new LocalMembership(_ctx.Monitor(pid));
            }
            membership.Groups.Add(group);
        }
        Changed(joined: true, group, pids, local: true);
        _replies.Add((from, null));
    }

    private void Leave(string group, Pid[] pids, CallFrom from)
    {
        var left = new List<Pid>();
        foreach (var pid in pids)
        {
            if (!_local.TryGetValue(pid, out var membership) || !membership.Groups.Remove(group))
            {
                continue;
            }
            left.Add(pid);
            if (membership.Groups.Count == 0)
            {
                // A Down already queued for this monitor is told apart by its reference (see OnDown).
                _ctx.Demonitor(membership.Monitor);
                _local.Remove(pid);
            }
        }
        Changed(joined: false, group, left, local: true);
        _replies.Add((from, left.Count > 0));
    }

    /// <summary>A local member exited: it leaves every group, as many times as it joined each.</summary>
    private void OnMemberExited(Pid pid, LocalMembership membership)
    {
        _local.Remove(pid);
        foreach (var (group, times) in membership.Groups.CountBy(g => g, StringComparer.Ordinal))
        {
            Changed(joined: false, group, Enumerable.Repeat(pid, times).ToList(), local: true);
        }
    }

    /// <summary>Records a change to the groups: in the working view, for subscribers, and (a local one) for the peers.</summary>
    private void Changed(bool joined, string group, IReadOnlyList<Pid> pids, bool local)
    {
        if (pids.Count == 0)
        {
            return;
        }
        if (joined)
        {
            _groups.Join(group, pids);
        }
        else
        {
            _groups.Leave(group, pids);
        }
        if (local)
        {
            _unsent.Add(joined, group, pids);
        }
        if (!_subscriptions.IsEmpty)
        {
            _untold.Add(joined, group, pids);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Subscriptions (pg:monitor_scope, pg:monitor, pg:demonitor)
    // ------------------------------------------------------------------------------------------------------------

    private void MonitorScope(Pid subscriber, CallFrom from)
    {
        if (!scope.IsLocal(subscriber))
        {
            Fail(from, $"{subscriber} is not a process of {scope.Node.Node}: a subscriber is a local process");
            return;
        }
        TellSubscribers(); // What changed before the subscription is already in the state it gets.
        var monitorRef = _ctx.Monitor(subscriber);
        _subscriptions.AddScopeWide(monitorRef, subscriber);
        var groups = new Dictionary<string, IReadOnlyList<Pid>>(StringComparer.Ordinal);
        foreach (var (group, view) in _groups.Current())
        {
            groups[group] = view.Members;
        }
        _replies.Add((from, new ScopeMonitor(monitorRef, groups)));
    }

    private void MonitorGroup(Pid subscriber, string group, CallFrom from)
    {
        if (!scope.IsLocal(subscriber))
        {
            Fail(from, $"{subscriber} is not a process of {scope.Node.Node}: a subscriber is a local process");
            return;
        }
        TellSubscribers();
        var monitorRef = _ctx.Monitor(subscriber);
        _subscriptions.AddGroup(monitorRef, subscriber, group);
        var members = _groups.Current().TryGetValue(group, out var view) ? view.Members : MemberList.Empty;
        _replies.Add((from, new GroupMonitor(monitorRef, members)));
    }

    private void Demonitor(MonitorRef monitorRef, CallFrom from)
    {
        TellSubscribers(); // Changes before the demonitor still reach the subscriber; none after it.
        var removed = _subscriptions.Remove(monitorRef);
        if (removed)
        {
            _ctx.Demonitor(monitorRef);
        }
        _replies.Add((from, removed));
    }

    private void TellSubscribers()
    {
        if (_untold.IsEmpty)
        {
            return;
        }
        foreach (var change in _untold.Take())
        {
            _subscriptions.Notify(_ctx, scope.Name, change);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Peers
    // ------------------------------------------------------------------------------------------------------------

    private void Discover(NodeName node) => ScopeProtocolFrame.SendToScope(scope.Node, scope.Name, node, new ScopeDiscover(_ctx.Self));

    private void SendToPeer(Pid peer, object message) => ScopeProtocolFrame.SendToPeers(scope.Node, scope.Name, [peer], message);

    private void OnDiscover(Pid peer)
    {
        if (peer == _ctx.Self)
        {
            return;
        }
        SendUnsent(); // The sync below holds every change made so far: none may follow it again.
        foreach (var part in SyncParts())
        {
            SendToPeer(peer, part);
        }
        if (!_peers.ContainsKey(peer))
        {
            AddPeer(peer);
            SendToPeer(peer, new ScopeDiscover(_ctx.Self));
        }
    }

    private void OnSync(ScopeSync sync)
    {
        if (sync.Scope == _ctx.Self)
        {
            return;
        }
        var peer = _peers.TryGetValue(sync.Scope, out var known) ? known : AddPeer(sync.Scope);
        var incoming = peer.IncomingSync ??= new Dictionary<string, Dictionary<Pid, int>>(StringComparer.Ordinal);
        foreach (var (group, ids) in sync.Groups)
        {
            if (!incoming.TryGetValue(group, out var members))
            {
                incoming[group] = members = new Dictionary<Pid, int>(ids.Length);
            }
            foreach (var id in ids)
            {
                var pid = peer.PidOf(id);
                members[pid] = members.GetValueOrDefault(pid) + 1;
            }
        }
        if (sync.More)
        {
            return; // The sync takes effect with its last part.
        }
        peer.IncomingSync = null;
        foreach (var (group, joined, left) in peer.Replace(incoming))
        {
            Changed(joined: true, group, joined, local: false);
            Changed(joined: false, group, left, local: false);
        }
    }

    private void OnUpdate(ScopeUpdate update)
    {
        if (!_peers.TryGetValue(update.Scope, out var peer))
        {
            // Not (or no longer) a peer: its node flickered, or it has not synced yet. Its sync carries it all.
            return;
        }
        foreach (var change in update.Changes)
        {
            var pids = peer.PidsOf(change.Ids);
            if (change.Joined)
            {
                peer.Join(change.Group, pids);
                Changed(joined: true, change.Group, pids, local: false);
            }
            else
            {
                Changed(joined: false, change.Group, peer.Leave(change.Group, pids), local: false);
            }
        }
    }

    private PeerScope AddPeer(Pid process)
    {
        var peer = new PeerScope(process, _ctx.Monitor(process), scope.Node);
        _peers[process] = peer;
        LogPeerUp(scope.Logger, scope.Name, process);
        return peer;
    }

    /// <summary>A peer is gone (it exited, or its node is down): its node's members leave here.</summary>
    private void OnPeerGone(PeerScope peer, string why)
    {
        _peers.Remove(peer.Process);
        foreach (var (group, members) in peer.All())
        {
            Changed(joined: false, group, members, local: false);
        }
        LogPeerDown(scope.Logger, scope.Name, peer.Process, why);
    }

    private void OnNodeDown(NodeName node)
    {
        foreach (var peer in _peers.Values.Where(p => p.Process.Node == node).ToList())
        {
            _ctx.Demonitor(peer.Monitor);
            OnPeerGone(peer, $"node {node} is down");
        }
    }

    private void OnDown(Down down)
    {
        if (_local.TryGetValue(down.Pid, out var membership) && membership.Monitor == down.Ref)
        {
            OnMemberExited(down.Pid, membership);
        }
        else if (_peers.TryGetValue(down.Pid, out var peer) && peer.Monitor == down.Ref)
        {
            OnPeerGone(peer, down.Reason.ToString());
        }
        else
        {
            // A subscriber exited (one process may be a member and a subscriber: each has its own monitor). Otherwise
            // the Down of a membership that a leave ended while it was on its way: no subscription has its reference.
            _subscriptions.Remove(down.Ref);
        }
    }

    /// <summary>Sends the local changes not yet sent to every peer, in order.</summary>
    private void SendUnsent()
    {
        if (_unsent.IsEmpty)
        {
            return;
        }
        var changes = _unsent.Take();
        if (_peers.Count == 0)
        {
            return;
        }
        var peers = _peers.Keys.ToList();
        foreach (var update in Updates(changes))
        {
            ScopeProtocolFrame.SendToPeers(scope.Node, scope.Name, peers, update);
        }
    }

    /// <summary>The changes as update messages of at most <see cref="MaxIdsPerMessage"/> memberships each.</summary>
    private IEnumerable<ScopeUpdate> Updates(GroupChange[] changes)
    {
        var batch = new List<MembershipChange>();
        var size = 0;
        foreach (var change in changes)
        {
            for (var start = 0; start < change.Pids.Count; start += MaxIdsPerMessage)
            {
                var count = Math.Min(MaxIdsPerMessage, change.Pids.Count - start);
                if (size + count > MaxIdsPerMessage && batch.Count > 0)
                {
                    yield return new ScopeUpdate(_ctx.Self, [.. batch]);
                    batch.Clear();
                    size = 0;
                }
                var ids = new long[count];
                for (var i = 0; i < count; i++)
                {
                    ids[i] = change.Pids[start + i].Id;
                }
                batch.Add(new MembershipChange(change.Joined, change.Group, ids));
                size += count;
            }
        }
        if (batch.Count > 0)
        {
            yield return new ScopeUpdate(_ctx.Self, [.. batch]);
        }
    }

    /// <summary>Every membership of a local process, per group: a sync, in parts of at most <see cref="MaxIdsPerMessage"/> memberships.</summary>
    private List<ScopeSync> SyncParts()
    {
        var groups = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var (pid, membership) in _local)
        {
            foreach (var group in membership.Groups)
            {
                if (!groups.TryGetValue(group, out var ids))
                {
                    groups[group] = ids = [];
                }
                ids.Add(pid.Id);
            }
        }
        var parts = new List<ScopeSync>();
        var part = new List<GroupMembers>();
        var size = 0;
        foreach (var (group, ids) in groups)
        {
            for (var start = 0; start < ids.Count; start += MaxIdsPerMessage)
            {
                var count = Math.Min(MaxIdsPerMessage, ids.Count - start);
                if (size + count > MaxIdsPerMessage && part.Count > 0)
                {
                    parts.Add(new ScopeSync(_ctx.Self, [.. part], More: true));
                    part.Clear();
                    size = 0;
                }
                part.Add(new GroupMembers(group, [.. ids.GetRange(start, count)]));
                size += count;
            }
        }
        parts.Add(new ScopeSync(_ctx.Self, [.. part], More: false));
        return parts;
    }

    /// <summary>Fails a call with an error that says what was wrong with it.</summary>
    private static void Fail(CallFrom from, string why) =>
        from.Target?.Fail(from.Token, ExitReason.FromException(typeof(ArgumentException).FullName!, why));

    [LoggerMessage(EventId = 770, Level = LogLevel.Debug, Message = "Process-group scope {Scope}: peer {Peer} joined the overlay")]
    private static partial void LogPeerUp(ILogger logger, string scope, Pid peer);

    [LoggerMessage(EventId = 771, Level = LogLevel.Debug, Message = "Process-group scope {Scope}: peer {Peer} is gone ({Why}); its node's members left")]
    private static partial void LogPeerDown(ILogger logger, string scope, Pid peer, string why);
}

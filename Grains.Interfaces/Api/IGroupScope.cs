namespace ProcessGrid;

/// <summary>
/// The process groups of one scope, as this node sees them (Erlang's <c>pg</c> functions that take a scope). Reads
/// (<see cref="GetMembers"/>, <see cref="GetLocalMembers"/>, <see cref="WhichGroups"/>) take a snapshot without
/// waiting for anything; changes go through the scope's process on this node.
/// </summary>
public interface IGroupScope
{
    /// <summary>The scope's name.</summary>
    string Name { get; }

    /// <summary>
    /// Makes <paramref name="pid"/>, a process of this node, a member of <paramref name="group"/> (<c>pg:join</c>).
    /// Joining again adds another membership, which takes another leave. Completes once the membership is visible on
    /// this node; the other nodes learn of it shortly after. A process that has already exited leaves again at once.
    /// </summary>
    /// <exception cref="ArgumentException">The group name is empty, or the pid is not a process of this node (a process of another node joins there; a virtual process cannot join).</exception>
    /// <exception cref="InvalidOperationException">The scope's process is not running (the node is stopping).</exception>
    ValueTask JoinAsync(string group, Pid pid);

    /// <summary>Makes every pid of <paramref name="pids"/> (processes of this node) a member of <paramref name="group"/> at once; a pid listed twice joins twice.</summary>
    /// <exception cref="ArgumentException">The group name is empty, or a pid is not a process of this node; then none joins.</exception>
    /// <exception cref="InvalidOperationException">The scope's process is not running (the node is stopping).</exception>
    ValueTask JoinAsync(string group, IEnumerable<Pid> pids);

    /// <summary>
    /// Removes one membership of <paramref name="pid"/> in <paramref name="group"/> (<c>pg:leave</c>). False when it
    /// was not a member (Erlang's <c>not_joined</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The group name is empty, or the pid is not a process of this node.</exception>
    /// <exception cref="InvalidOperationException">The scope's process is not running (the node is stopping).</exception>
    ValueTask<bool> LeaveAsync(string group, Pid pid);

    /// <summary>Removes one membership in <paramref name="group"/> for each pid of <paramref name="pids"/>; false when none of them was a member.</summary>
    /// <exception cref="ArgumentException">The group name is empty, or a pid is not a process of this node; then none leaves.</exception>
    /// <exception cref="InvalidOperationException">The scope's process is not running (the node is stopping).</exception>
    ValueTask<bool> LeaveAsync(string group, IEnumerable<Pid> pids);

    /// <summary>
    /// The members of <paramref name="group"/> on every node of the scope (<c>pg:get_members</c>), a process once per
    /// membership, in no particular order; empty when the group has none. A snapshot: it does not change afterwards.
    /// </summary>
    IReadOnlyList<Pid> GetMembers(string group);

    /// <summary>The members of <paramref name="group"/> that run on this node (<c>pg:get_local_members</c>).</summary>
    IReadOnlyList<Pid> GetLocalMembers(string group);

    /// <summary>The groups that have members anywhere in the scope (<c>pg:which_groups</c>), in ordinal order.</summary>
    IReadOnlyList<string> WhichGroups();

    /// <summary>The groups that have members on this node (<c>pg:which_local_groups</c>), in ordinal order.</summary>
    IReadOnlyList<string> WhichLocalGroups();

    /// <summary>
    /// Subscribes <paramref name="subscriber"/> (a process of this node) to every membership change of the scope
    /// (<c>pg:monitor_scope</c>): it gets <see cref="GroupJoined"/> and <see cref="GroupLeft"/> messages carrying the
    /// returned reference. Returns the scope's groups as they are at that moment; the messages that follow are the
    /// changes after it. The subscription ends with <see cref="DemonitorAsync"/> or when the subscriber exits.
    /// </summary>
    /// <exception cref="ArgumentException">The subscriber is not a process of this node.</exception>
    /// <exception cref="InvalidOperationException">The scope's process is not running (the node is stopping).</exception>
    ValueTask<ScopeMonitor> MonitorScopeAsync(Pid subscriber);

    /// <summary>
    /// Subscribes <paramref name="subscriber"/> (a process of this node) to the membership changes of
    /// <paramref name="group"/> (<c>pg:monitor</c>). Returns the group's members at that moment.
    /// </summary>
    /// <exception cref="ArgumentException">The group name is empty, or the subscriber is not a process of this node.</exception>
    /// <exception cref="InvalidOperationException">The scope's process is not running (the node is stopping).</exception>
    ValueTask<GroupMonitor> MonitorAsync(Pid subscriber, string group);

    /// <summary>
    /// Ends a subscription (<c>pg:demonitor</c>): no message for it is sent afterwards (those already sent stay in the
    /// subscriber's mailbox; they carry the reference, so they can be told apart). False when there was no such subscription.
    /// </summary>
    /// <exception cref="InvalidOperationException">The scope's process is not running (the node is stopping).</exception>
    ValueTask<bool> DemonitorAsync(MonitorRef monitor);

    /// <summary>
    /// Sends <paramref name="message"/> to every member of <paramref name="group"/>, on this node and on the others,
    /// once per process however many times it joined. To another node it travels once, and that node hands it to its
    /// members of the group as they are when it arrives. Never blocks. Returns how many processes it was sent to, as
    /// this node sees the group (0 when it has no members: nothing is sent).
    /// </summary>
    /// <remarks>
    /// Messages from one sender to one member arrive in send order, whether sent with this or with <c>Send</c>. A
    /// message that reaches a node where the group has no members any more is a dead letter there.
    /// </remarks>
    /// <exception cref="ArgumentException">The group name is empty.</exception>
    /// <exception cref="MessageSerializationException">The group has members on other nodes and the message cannot cross nodes; nothing was sent.</exception>
    int Broadcast(string group, object message);
}

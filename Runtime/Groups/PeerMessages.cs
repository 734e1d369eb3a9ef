namespace ProcessGrid.Runtime.Groups;

// The messages between the processes of one scope on different nodes (pg's discover, sync, join and leave). The pids
// a scope reports are always processes of its own node run, so they travel as their numbers: the receiver rebuilds
// them from the sender's node and creation, and a sync of many members stays small.

/// <summary>
/// "I run this scope": sent to the scope's registered name on a node that came up (or on every connected node when
/// the scope starts). The receiver answers with a <see cref="ScopeSync"/>, and discovers back if it did not know the sender.
/// </summary>
/// <param name="Scope">The sender's scope process.</param>
internal sealed record ScopeDiscover(Pid Scope) : IPeerMessage;

/// <summary>
/// Everything the sender's node has in the scope: it replaces what the receiver knew of that node. A big sync comes
/// in parts (each within a frame's size), sent one after the other; it takes effect with the last.
/// </summary>
/// <param name="Scope">The sender's scope process.</param>
/// <param name="Groups">Groups with local members on the sender's node, with (some of) those members.</param>
/// <param name="More">True when more parts of this sync follow.</param>
internal sealed record ScopeSync(Pid Scope, GroupMembers[] Groups, bool More) : IPeerMessage;

/// <summary>Joins and leaves on the sender's node since its last update, in order.</summary>
/// <param name="Scope">The sender's scope process.</param>
/// <param name="Changes">The changes, oldest first.</param>
internal sealed record ScopeUpdate(Pid Scope, MembershipChange[] Changes) : IPeerMessage;

/// <summary>One group's members on the sender's node, a process once per membership.</summary>
/// <param name="Group">The group.</param>
/// <param name="Ids">The members' numbers on the sender's node.</param>
internal sealed record GroupMembers(string Group, long[] Ids);

/// <summary>Processes of the sender's node that joined or left a group (once per membership).</summary>
/// <param name="Joined">True for joins, false for leaves.</param>
/// <param name="Group">The group.</param>
/// <param name="Ids">The processes' numbers on the sender's node.</param>
internal sealed record MembershipChange(bool Joined, string Group, long[] Ids);

/// <summary>A message from a scope process on another node.</summary>
internal interface IPeerMessage
{
    /// <summary>The sending scope process (on the node the message came from).</summary>
    Pid Scope { get; }
}

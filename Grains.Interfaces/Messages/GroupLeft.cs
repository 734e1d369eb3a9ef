namespace ProcessGrid;

/// <summary>
/// Delivered to a subscriber of a scope or a group when processes leave a group (Erlang's
/// <c>{Ref, leave, Group, Pids}</c>): they left, exited, or their node went down.
/// </summary>
/// <param name="Ref">The subscription's reference.</param>
/// <param name="Scope">The scope.</param>
/// <param name="Group">The group they left.</param>
/// <param name="Pids">The processes that left, once per membership that ended.</param>
public sealed record GroupLeft(MonitorRef Ref, string Scope, string Group, IReadOnlyList<Pid> Pids);

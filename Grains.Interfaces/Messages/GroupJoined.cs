namespace ProcessGrid;

/// <summary>
/// Delivered to a subscriber of a scope or a group when processes join a group (Erlang's
/// <c>{Ref, join, Group, Pids}</c>); see <see cref="IGroupScope.MonitorScopeAsync"/> and <see cref="IGroupScope.MonitorAsync"/>.
/// </summary>
/// <param name="Ref">The subscription's reference.</param>
/// <param name="Scope">The scope.</param>
/// <param name="Group">The group they joined.</param>
/// <param name="Pids">The processes that joined, once per new membership.</param>
public sealed record GroupJoined(MonitorRef Ref, string Scope, string Group, IReadOnlyList<Pid> Pids);

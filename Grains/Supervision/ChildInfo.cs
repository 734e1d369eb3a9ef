namespace ProcessGrid;

/// <summary>One child as <c>WhichChildrenAsync</c> reports it (Erlang's <c>{Id, Child, Type, Modules}</c>).</summary>
/// <param name="Id">The child's id; for a <see cref="RestartStrategy.SimpleOneForOne"/> child, the template's id.</param>
/// <param name="Pid">The running child's pid; null when it is not running (terminated, or being restarted).</param>
/// <param name="Type">Worker or supervisor.</param>
/// <param name="IsRestarting">True when a restart of the child failed and is being retried (Erlang's <c>restarting</c>).</param>
public sealed record ChildInfo(string Id, Pid? Pid, ChildType Type, bool IsRestarting);

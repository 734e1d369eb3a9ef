namespace ProcessGrid;

/// <summary>
/// What <see cref="IGroupScope.MonitorAsync"/> returns (Erlang's <c>{Ref, Pids}</c>): the reference that the group's
/// <see cref="GroupJoined"/> and <see cref="GroupLeft"/> messages carry, and its members when the subscription began.
/// </summary>
/// <param name="Ref">The subscription's reference, for <see cref="IGroupScope.DemonitorAsync"/> and to match its messages.</param>
/// <param name="Members">The group's members (a process once per membership).</param>
public sealed record GroupMonitor(MonitorRef Ref, IReadOnlyList<Pid> Members);

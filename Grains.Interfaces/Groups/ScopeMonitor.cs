namespace ProcessGrid;

/// <summary>
/// What <see cref="IGroupScope.MonitorScopeAsync"/> returns (Erlang's <c>{Ref, #{Group => Pids}}</c>): the reference
/// that the scope's <see cref="GroupJoined"/> and <see cref="GroupLeft"/> messages carry, and the scope's groups with
/// their members at the moment the subscription began.
/// </summary>
/// <param name="Ref">The subscription's reference, for <see cref="IGroupScope.DemonitorAsync"/> and to match its messages.</param>
/// <param name="Groups">Every group of the scope with its members (a process once per membership).</param>
public sealed record ScopeMonitor(MonitorRef Ref, IReadOnlyDictionary<string, IReadOnlyList<Pid>> Groups);

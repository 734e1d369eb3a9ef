namespace ProcessGrid;

/// <summary>
/// Sent to a process that lost a global name in a conflict (Erlang's <c>{global_name_conflict, Name}</c> and
/// <c>{global_name_conflict, Name, OtherPid}</c>).
/// </summary>
/// <param name="Name">The name.</param>
/// <param name="Other">The other claimant, when the method names it (<see cref="GlobalResolve.NotifyAllNames"/>); else null.</param>
public sealed record GlobalNameConflict(string Name, Pid? Other);

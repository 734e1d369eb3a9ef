namespace ProcessGrid;

/// <summary>
/// An exit signal turned into a message, delivered to a process that traps exits (Erlang's
/// <c>{'EXIT', From, Reason}</c>): a linked process exited, or some process called <c>Exit(pid, reason)</c>.
/// </summary>
/// <param name="From">The process that exited or sent the signal.</param>
/// <param name="Reason">The exit reason.</param>
public sealed record Exit(Pid From, ExitReason Reason);

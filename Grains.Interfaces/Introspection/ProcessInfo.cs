namespace ProcessGrid;

/// <summary>
/// A snapshot of one process (Erlang's <c>process_info/1</c>), for tools such as the dashboard and the CLI.
/// </summary>
/// <param name="Pid">The process.</param>
/// <param name="Status">What it is doing.</param>
/// <param name="Type">What runs in it: the process class, or the method an async function was written in.</param>
/// <param name="RegisteredName">Its node-local registered name, if any.</param>
/// <param name="MessageQueueLength">How many messages wait in its mailbox (including ones a selective receive skipped).</param>
/// <param name="Links">The processes it is linked to.</param>
/// <param name="Monitors">The processes it monitors.</param>
/// <param name="MonitoredBy">The processes that monitor it.</param>
/// <param name="TrapExit">Whether it turns exit signals into <see cref="ProcessGrid.Exit"/> messages.</param>
/// <param name="Parent">The process that spawned it, if any.</param>
/// <param name="MessagesHandled">How many messages it has taken from its mailbox so far.</param>
/// <param name="StartedAt">When it started.</param>
public sealed record ProcessInfo(
    Pid Pid,
    ProcessStatus Status,
    string Type,
    string? RegisteredName,
    int MessageQueueLength,
    IReadOnlyList<Pid> Links,
    IReadOnlyList<Pid> Monitors,
    IReadOnlyList<Pid> MonitoredBy,
    bool TrapExit,
    Pid? Parent,
    long MessagesHandled,
    DateTimeOffset StartedAt);

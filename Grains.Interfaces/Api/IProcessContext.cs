using System.Diagnostics.CodeAnalysis;

namespace ProcessGrid;

/// <summary>
/// What a process sees of itself and the grid: its pid, its mailbox (receive), and the operations that act on its
/// behalf (link, monitor, spawn_link, trap_exit). Given to a process's code; valid only inside that process.
/// </summary>
public interface IProcessContext
{
    /// <summary>This process's pid (Erlang's <c>self()</c>).</summary>
    Pid Self { get; }

    /// <summary>The node this process runs on.</summary>
    IProcessGrid Grid { get; }

    /// <summary>The process that spawned this one, if it was spawned from a process.</summary>
    Pid? Parent { get; }

    /// <summary>
    /// Whether exit signals become <see cref="ProcessGrid.Exit"/> messages instead of ending this process (Erlang's
    /// <c>process_flag(trap_exit, true)</c>). <see cref="ExitReason.Kill"/> ends the process regardless.
    /// </summary>
    bool TrapExit { get; set; }

    /// <summary>Cancelled when this process exits, so that awaits on I/O can stop with it.</summary>
    CancellationToken Aborted { get; }

    /// <summary>Receives the first message in the mailbox that <paramref name="match"/> accepts (any message when null), waiting as long as it takes.</summary>
    /// <remarks>Messages that do not match stay in the mailbox, in order, for a later receive.</remarks>
    ValueTask<object> Receive(Func<object, bool>? match = null);

    /// <summary>Receives the first message of type <typeparamref name="T"/> that <paramref name="match"/> accepts, waiting as long as it takes.</summary>
    ValueTask<T> Receive<T>(Func<T, bool>? match = null);

    /// <summary>
    /// Receives the first message of type <typeparamref name="T"/> that <paramref name="match"/> accepts, or times out
    /// after <paramref name="timeout"/> (<c>receive ... after</c>; <see cref="TimeSpan.Zero"/> only looks at what is
    /// already there). Waiting costs no thread.
    /// </summary>
    ValueTask<ReceiveResult<T>> Receive<T>(TimeSpan timeout, Func<T, bool>? match = null);

    /// <summary>Sends <paramref name="message"/> to <paramref name="to"/>. Never blocks.</summary>
    void Send(Pid to, object message);

    /// <summary>Sends to the process registered as <paramref name="name"/> on this node.</summary>
    /// <exception cref="NameNotRegisteredException">No process holds the name.</exception>
    void Send(string name, object message);

    /// <summary>Sends a cast to a <see cref="GenServer"/>.</summary>
    void Cast(Pid to, object message);

    /// <summary>Calls <paramref name="to"/> and waits for its reply; see <see cref="IProcessGrid.Call{TReply}(Pid, object, TimeSpan?)"/>.</summary>
    ValueTask<TReply> Call<TReply>(Pid to, object request, TimeSpan? timeout = null);

    /// <summary>
    /// Calls the process registered as <paramref name="name"/> on <paramref name="node"/> (<c>gen_server:call({Name, Node}, Request)</c>);
    /// see <see cref="IProcessGrid.Call{TReply}(string, NodeName, object, TimeSpan?)"/>.
    /// </summary>
    ValueTask<TReply> Call<TReply>(string name, NodeName node, object request, TimeSpan? timeout = null);

    /// <summary>Answers a call that was deferred (Erlang's <c>gen_server:reply/2</c>).</summary>
    void Reply(CallFrom from, object? reply);

    /// <summary>Links this process to <paramref name="pid"/> (<c>link/1</c>); if it is not alive, this process gets an exit signal with reason <c>noproc</c>.</summary>
    void Link(Pid pid);

    /// <summary>Removes the link to <paramref name="pid"/>; no exit signal from the link arrives afterwards.</summary>
    void Unlink(Pid pid);

    /// <summary>Monitors <paramref name="pid"/>: a <see cref="Down"/> message arrives exactly once when it exits (at once, with <c>noproc</c>, if it is not alive).</summary>
    MonitorRef Monitor(Pid pid);

    /// <summary>
    /// Removes a monitor; no <see cref="Down"/> for it arrives afterwards. With <paramref name="flush"/>, a
    /// <see cref="Down"/> already in the mailbox is removed too (<c>demonitor(Ref, [flush])</c>). Returns false when the
    /// monitor had already fired or did not exist.
    /// </summary>
    bool Demonitor(MonitorRef monitor, bool flush = false);

    /// <summary>Spawns a process running <paramref name="body"/>.</summary>
    Pid Spawn(Func<IProcessContext, Task> body);

    /// <summary>Spawns a process running <paramref name="body"/>, linked to this one (<c>spawn_link</c>, atomically).</summary>
    Pid SpawnLink(Func<IProcessContext, Task> body);

    /// <summary>Spawns a process running <paramref name="body"/>, monitored by this one (<c>spawn_monitor</c>, atomically).</summary>
    (Pid Pid, MonitorRef Monitor) SpawnMonitor(Func<IProcessContext, Task> body);

    /// <summary>Spawns an instance of the process class <typeparamref name="TProcess"/>.</summary>
    Pid Spawn<TProcess>(params object[] args) where TProcess : ProcessBehavior;

    /// <summary>Spawns an instance of <typeparamref name="TProcess"/>, linked to this process.</summary>
    Pid SpawnLink<TProcess>(params object[] args) where TProcess : ProcessBehavior;

    /// <summary>Spawns an instance of <typeparamref name="TProcess"/>, monitored by this process.</summary>
    (Pid Pid, MonitorRef Monitor) SpawnMonitor<TProcess>(params object[] args) where TProcess : ProcessBehavior;

    /// <summary>
    /// Spawns an instance of <typeparamref name="TProcess"/> linked to this process and waits until it is ready
    /// (Erlang's <c>gen_server:start_link</c>, which supervisors use): a <see cref="GenServer"/> when its
    /// initialization has finished, a <see cref="GridProcess"/> when its code first waits for a message.
    /// </summary>
    /// <exception cref="ProcessStartException">It failed before it was ready; it was unlinked first, so this process gets no exit signal.</exception>
    ValueTask<Pid> StartLinkAsync<TProcess>(params object[] args) where TProcess : ProcessBehavior;

    /// <summary>Like <see cref="StartLinkAsync{TProcess}(object[])"/>, with options (a name to register).</summary>
    ValueTask<Pid> StartLinkAsync<TProcess>(SpawnOptions options, params object[] args) where TProcess : ProcessBehavior;

    /// <summary>
    /// Spawns an instance of <typeparamref name="TProcess"/> on <paramref name="node"/>, linked to this process
    /// (Erlang's <c>spawn_link(Node, M, F, A)</c>): the link exists before the new process runs.
    /// </summary>
    /// <exception cref="ProcessStartException">The node is down or could not create it.</exception>
    ValueTask<Pid> SpawnLinkAsync<TProcess>(NodeName node, params object[] args) where TProcess : ProcessBehavior;

    /// <summary>Spawns an instance of <typeparamref name="TProcess"/> on <paramref name="node"/>, monitored by this process.</summary>
    /// <exception cref="ProcessStartException">The node is down or could not create it.</exception>
    ValueTask<(Pid Pid, MonitorRef Monitor)> SpawnMonitorAsync<TProcess>(NodeName node, params object[] args) where TProcess : ProcessBehavior;

    /// <summary>Subscribes this process to <see cref="NodeUp"/>/<see cref="NodeDown"/> messages (Erlang's <c>net_kernel:monitor_nodes(true)</c>), or unsubscribes it.</summary>
    void MonitorNodes(bool enable = true);

    /// <summary>Sends an exit signal to <paramref name="pid"/> (<c>exit(Pid, Reason)</c>).</summary>
    void Exit(Pid pid, ExitReason reason);

    /// <summary>Ends this process with <paramref name="reason"/> (<c>exit(Reason)</c>) by throwing <see cref="ExitException"/>.</summary>
    [DoesNotReturn]
    void Exit(ExitReason reason);

    /// <summary>Sends <paramref name="message"/> to this process after <paramref name="delay"/>.</summary>
    TimerRef SendAfter(TimeSpan delay, object message);

    /// <summary>Sends <paramref name="message"/> to <paramref name="to"/> after <paramref name="delay"/>.</summary>
    TimerRef SendAfter(TimeSpan delay, Pid to, object message);

    /// <summary>Cancels a timer; the time that was left, or null if it had fired or been cancelled.</summary>
    TimeSpan? CancelTimer(TimerRef timer);
}

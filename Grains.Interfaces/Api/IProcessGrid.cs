namespace ProcessGrid;

/// <summary>
/// One node of the process grid: spawn processes, send to them, call them, name them, watch them. Usable from inside
/// a process and from ordinary .NET code (a controller, a test, a hosted service).
/// </summary>
/// <remarks>
/// Messages between one sender and one receiver arrive in the order they were sent. Delivery is at most once: a
/// message that cannot be delivered is a dead letter (see <see cref="DeadLetters"/>), never lost silently.
/// </remarks>
public interface IProcessGrid
{
    /// <summary>This node's name (Erlang's <c>node()</c>).</summary>
    NodeName Node { get; }

    /// <summary>This node's creation: a restarted node gets a new one, so pids of its earlier run never match.</summary>
    long Creation { get; }

    /// <summary>Spawns a process that runs <paramref name="body"/> (Erlang's <c>spawn(Fun)</c>).</summary>
    /// <param name="body">The process's code; the process exits <c>normal</c> when it returns, or with the exception it throws.</param>
    /// <param name="options">Options such as a name to register; null for none.</param>
    /// <returns>The new process's pid.</returns>
    Pid Spawn(Func<IProcessContext, Task> body, SpawnOptions? options = null);

    /// <summary>
    /// Spawns an instance of the process class <typeparamref name="TProcess"/> (a <see cref="GridProcess"/> or a
    /// <see cref="GenServer"/>), built with constructor injection from the node's services plus <paramref name="args"/>.
    /// Returns at once; a <see cref="GenServer"/>'s initialization runs in the new process.
    /// </summary>
    Pid Spawn<TProcess>(params object[] args) where TProcess : ProcessBehavior;

    /// <summary>Like <see cref="Spawn{TProcess}(object[])"/>, with options.</summary>
    Pid Spawn<TProcess>(SpawnOptions options, params object[] args) where TProcess : ProcessBehavior;

    /// <summary>
    /// Starts an instance of <typeparamref name="TProcess"/> and waits until it is ready (Erlang's
    /// <c>gen_server:start</c>): a <see cref="GenServer"/> when <see cref="GenServer.InitAsync"/> has finished, a
    /// <see cref="GridProcess"/> when its code first waits for a message.
    /// </summary>
    /// <exception cref="ProcessStartException">It failed or exited before it was ready; the process is gone.</exception>
    ValueTask<Pid> StartAsync<TProcess>(params object[] args) where TProcess : ProcessBehavior;

    /// <summary>Like <see cref="StartAsync{TProcess}(object[])"/>, with options.</summary>
    ValueTask<Pid> StartAsync<TProcess>(SpawnOptions options, params object[] args) where TProcess : ProcessBehavior;

    /// <summary>
    /// The pid of the virtual process of class <typeparamref name="TProcess"/> with key <paramref name="key"/> (an
    /// Orleans grain). It always exists logically: the first message activates it, it is deactivated when idle, and the
    /// next message activates it again under the same pid.
    /// </summary>
    /// <remarks>
    /// Messages from one sender arrive in send order across activations: what an ending activation had not handled
    /// passes to the next one ahead of anything sent later. An activation is not deactivated while it is linked,
    /// monitored, or holds a deferred call (<see cref="GenServer.NoReply"/>); linking to or monitoring a virtual pid
    /// activates it. A crash ends the activation (its links and monitors fire), and the next message activates it again.
    /// </remarks>
    Pid Virtual<TProcess>(string key) where TProcess : GenServer;

    /// <summary>Sends <paramref name="message"/> to <paramref name="to"/> (<c>Pid ! Msg</c>). Never blocks.</summary>
    void Send(Pid to, object message);

    /// <summary>Sends <paramref name="message"/> to the process registered as <paramref name="name"/> on this node (<c>Name ! Msg</c>).</summary>
    /// <exception cref="NameNotRegisteredException">No process holds the name.</exception>
    void Send(string name, object message);

    /// <summary>Sends a cast (<c>gen_server:cast</c>): a <see cref="GenServer"/> handles it in <see cref="GenServer.HandleCastAsync"/>.</summary>
    void Cast(Pid to, object message);

    /// <summary>
    /// Calls <paramref name="to"/> and waits for its reply (<c>gen_server:call</c>). The default timeout is the node's
    /// call timeout (5 s unless configured).
    /// </summary>
    /// <exception cref="CallException">No reply: noproc, timeout, nodedown, the callee's exit reason, or its exception.</exception>
    /// <exception cref="InvalidCastException">The reply was not a <typeparamref name="TReply"/>.</exception>
    ValueTask<TReply> Call<TReply>(Pid to, object request, TimeSpan? timeout = null);

    /// <summary>Calls the process registered as <paramref name="name"/> on this node.</summary>
    /// <exception cref="CallException">No such name (noproc) or no reply.</exception>
    ValueTask<TReply> Call<TReply>(string name, object request, TimeSpan? timeout = null);

    /// <summary>Sends an exit signal to <paramref name="pid"/> (Erlang's <c>exit(Pid, Reason)</c>).</summary>
    void Exit(Pid pid, ExitReason reason);

    /// <summary>Registers <paramref name="pid"/> (a live process of this node) as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is taken, the process already has a name, or it is not alive on this node.</exception>
    void Register(string name, Pid pid);

    /// <summary>Removes a registration; false when the name was not registered.</summary>
    bool Unregister(string name);

    /// <summary>The process registered as <paramref name="name"/>, or null.</summary>
    Pid? Whereis(string name);

    /// <summary>All names registered on this node.</summary>
    IReadOnlyList<string> Registered();

    /// <summary>Sends <paramref name="message"/> to <paramref name="to"/> after <paramref name="delay"/> (<c>erlang:send_after/3</c>).</summary>
    /// <remarks>The timer is cancelled automatically if <paramref name="to"/> is a local process that exits first.</remarks>
    TimerRef SendAfter(TimeSpan delay, Pid to, object message);

    /// <summary>Cancels a timer; returns the time that was left, or null when it had already fired or been cancelled.</summary>
    TimeSpan? CancelTimer(TimerRef timer);

    /// <summary>A snapshot of a process of this node (<c>process_info/1</c>), or null when it is not alive here.</summary>
    ProcessInfo? GetProcessInfo(Pid pid);

    /// <summary>The live processes of this node (<c>processes()</c>), including active virtual processes.</summary>
    IReadOnlyList<Pid> Processes();

    /// <summary>Completes with the exit reason of <paramref name="pid"/> when it exits (<c>noproc</c> at once if it is not alive).</summary>
    Task<ExitReason> WhenExited(Pid pid);

    /// <summary>The node's record of undeliverable messages.</summary>
    IDeadLetters DeadLetters { get; }

    /// <summary>The other nodes this node is connected to now (Erlang's <c>nodes()</c>); empty when it is not distributed.</summary>
    IReadOnlyList<NodeName> Nodes { get; }

    /// <summary>Connects to <paramref name="node"/> if needed and checks that it answers (Erlang's <c>net_adm:ping</c>: true is pong, false is pang).</summary>
    Task<bool> PingAsync(NodeName node);

    /// <summary>
    /// Closes the connection to <paramref name="node"/> (Erlang's <c>disconnect_node</c>): node monitors get
    /// <see cref="NodeDown"/> with <see cref="NodeDownReason.Disconnected"/>; links and monitors to its processes fire
    /// with <c>noconnection</c>. The next message to it connects again. False when it was not connected.
    /// </summary>
    bool Disconnect(NodeName node);

    /// <summary>
    /// Subscribes <paramref name="subscriber"/> to <see cref="NodeUp"/> and <see cref="NodeDown"/> messages for every node
    /// (Erlang's <c>net_kernel:monitor_nodes(true)</c>), or unsubscribes it. A subscriber that exits is dropped.
    /// </summary>
    void MonitorNodes(Pid subscriber, bool enable = true);

    /// <summary>
    /// Spawns an instance of the process class <typeparamref name="TProcess"/> on <paramref name="node"/> (Erlang's
    /// <c>spawn(Node, Module, Function, Args)</c>); the arguments travel as messages do. Completes once the process exists there.
    /// </summary>
    /// <exception cref="ProcessStartException">The node is down, or could not create it (its class is not loaded there, bad arguments).</exception>
    ValueTask<Pid> SpawnAsync<TProcess>(NodeName node, params object[] args) where TProcess : ProcessBehavior;

    /// <summary>Spawns <paramref name="body"/> on this node; for another node it throws, because code does not travel between nodes.</summary>
    /// <exception cref="NotSupportedException">The node is another one: spawn a process class by type there instead.</exception>
    Pid Spawn(NodeName node, Func<IProcessContext, Task> body);

    /// <summary>
    /// Sends <paramref name="message"/> to the process registered as <paramref name="name"/> on <paramref name="node"/>
    /// (Erlang's <c>{Name, Node} ! Msg</c>). Never throws for a name that is not registered there: that is a dead letter
    /// on that node.
    /// </summary>
    void Send(string name, NodeName node, object message);

    /// <summary>
    /// Calls the process registered as <paramref name="name"/> on <paramref name="node"/> and waits for its reply
    /// (Erlang's <c>gen_server:call({Name, Node}, Request)</c>); this node included.
    /// </summary>
    /// <exception cref="CallException">No such name there (noproc), the node is down or cannot be reached (nodedown, at once), timeout, or the callee's exit reason or exception.</exception>
    /// <exception cref="InvalidCastException">The reply was not a <typeparamref name="TReply"/>.</exception>
    ValueTask<TReply> Call<TReply>(string name, NodeName node, object request, TimeSpan? timeout = null);

    /// <summary>Parses a pid's text form and attaches it to this node, so that <see cref="Pid.Send"/> routes through it.</summary>
    /// <exception cref="FormatException">The text is not a pid.</exception>
    Pid ParsePid(string text);

    /// <summary>Cluster-wide names (Erlang's <c>global</c>).</summary>
    IGlobalRegistry Global { get; }

    /// <summary>Process groups (Erlang's <c>pg</c>).</summary>
    IProcessGroups Groups { get; }

    /// <summary>Remote procedure calls (Erlang's <c>rpc</c>/<c>erpc</c>).</summary>
    IRpc Rpc { get; }
}

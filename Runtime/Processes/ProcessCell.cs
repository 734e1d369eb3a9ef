using System.Diagnostics.CodeAnalysis;
using ProcessGrid.Runtime.Messaging;

namespace ProcessGrid.Runtime.Processes;

/// <summary>
/// One process: its mailbox, who may consume it, its links and monitors, and how it exits. The two ways of writing
/// a process (<see cref="FunctionProcessCell"/>: code that receives; <see cref="ServerProcessCell"/>: callbacks)
/// build on this. The cell is also the process's <see cref="IProcessContext"/>, so a process is one object.
/// </summary>
/// <remarks>
/// <para><b>Consumer ownership.</b> At any moment at most one party consumes the mailbox: the state word says who.
/// <see cref="Idle"/>: nobody; a sender that finds the cell idle moves it to <see cref="Scheduled"/> and queues it on
/// the thread pool. <see cref="Running"/>: a runner, or the process's own code, owns the mailbox. An owner that runs
/// out of work releases with <see cref="TryRelease"/>, which re-checks for work after publishing <see cref="Idle"/>
/// so that a message racing the release is never stranded. Sending is therefore an enqueue plus a read of the state
/// word when the receiver is busy, and one compare-and-swap plus a thread-pool queue when it is idle.</para>
/// <para><b>Signals.</b> Exit signals, link and monitor changes are applied at once by the thread that sends them,
/// under the cell's lock, not queued behind messages. Messages and the <see cref="Down"/>/<see cref="ProcessGrid.Exit"/>
/// messages a signal produces go through the mailbox, so a message sent before a process exited still arrives
/// before that process's <see cref="Down"/>.</para>
/// <para><b>Exit.</b> <see cref="Die"/> marks the cell dead under the lock, then signals links and monitors outside it.
/// Whoever next owns the mailbox of a dead cell drains it: calls fail with the exit reason, other messages become dead
/// letters (a virtual process forwards them to its next activation instead).</para>
/// </remarks>
internal abstract partial class ProcessCell : IThreadPoolWorkItem, IProcessContext
{
    private protected const int Idle = 0;
    private protected const int Scheduled = 1;
    private protected const int Running = 2;

    /// <summary>How many activations of a virtual process one message may be handed to before it is given up.</summary>
    private const int MaxForwards = 3;

    private protected readonly ProcessNode _node;
    private MpscQueue _mailbox = new();
    private int _state = Scheduled;
    private volatile ExitReason? _exitReason;
    private protected SaveQueue _saved;

    // The fields below are guarded by the cell's lock: signals from other threads change them.
    private bool _trapExit;
    private List<Pid>? _links;
    private Dictionary<long, Pid>? _monitors;
    private Dictionary<long, object>? _watchers;
    private CancellationTokenSource? _aborted;
    private string? _registeredName;

    private long _messagesHandled;
    private readonly long _startedAtUnixMs;
    private long _lastActiveTick;

    protected ProcessCell(ProcessNode node, Pid self, Pid? parent)
    {
        _node = node;
        Self = self;
        Parent = parent;
        self.Cell = this;
        self.Host = node;
        _startedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _lastActiveTick = Environment.TickCount64;
    }

    /// <inheritdoc />
    public Pid Self { get; }

    /// <inheritdoc />
    public Pid? Parent { get; }

    /// <inheritdoc />
    public IProcessGrid Grid => _node;

    /// <summary>The exit reason once the process has exited; null while it is alive.</summary>
    internal ExitReason? ExitReason => _exitReason;

    /// <summary>True until the process exits.</summary>
    internal bool IsAlive => _exitReason is null;

    /// <summary>When the process last ran (<see cref="Environment.TickCount64"/>), for idle deactivation.</summary>
    internal long LastActiveTick => Volatile.Read(ref _lastActiveTick);

    /// <summary>What runs in the process, for introspection.</summary>
    internal abstract string TypeName { get; }

    /// <summary>The node-local name the process is registered under, if any.</summary>
    internal string? RegisteredName
    {
        get
        {
            lock (this)
            {
                return _registeredName;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Mailbox and scheduling
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Queues the first run of the process (its state is <see cref="Scheduled"/> from construction).</summary>
    internal void Start() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);

    /// <summary>Delivers an envelope to this process. Never blocks; safe from any thread.</summary>
    internal void Post(Envelope envelope)
    {
        if (_exitReason is not null)
        {
            OnPostedAfterExit(envelope);
            return;
        }
        _mailbox.Enqueue(envelope);
        if (Volatile.Read(ref _state) == Idle && Interlocked.CompareExchange(ref _state, Scheduled, Idle) == Idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    /// <summary>Runs the process on a thread-pool thread: this thread now owns the mailbox.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        Volatile.Write(ref _state, Running);
        Volatile.Write(ref _lastActiveTick, Environment.TickCount64);
        Run();
    }

    /// <summary>Does the process's work while owning the mailbox; must end by releasing ownership or handing it on.</summary>
    private protected abstract void Run();

    /// <summary>
    /// Whether an owner about to go idle has work left beyond mailbox messages (which are always checked): a fired
    /// receive timeout, or a parked receive to unwind after an exit. Read after the state word is published idle, so
    /// whoever sets such work and then calls <see cref="Wake"/> can never be missed.
    /// </summary>
    private protected virtual bool HasPendingWork => false;

    /// <summary>
    /// Gives up ownership of the mailbox. Returns true if work arrived meanwhile and ownership was taken back, in which
    /// case the caller must carry on as the owner.
    /// </summary>
    private protected bool TryRelease()
    {
        Interlocked.Exchange(ref _state, Idle);
        if (_mailbox.IsEmpty && !HasPendingWork)
        {
            return false;
        }
        return Interlocked.CompareExchange(ref _state, Running, Idle) == Idle;
    }

    /// <summary>Re-queues the process at the back of the thread pool's queue (fairness after a full turn), keeping ownership.</summary>
    private protected void Yield()
    {
        Volatile.Write(ref _state, Scheduled);
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Makes sure an owner runs soon (to notice an exit or a timeout) if nobody owns the mailbox now.</summary>
    private protected void Wake()
    {
        if (Interlocked.CompareExchange(ref _state, Scheduled, Idle) == Idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Takes ownership of an idle mailbox (for work started from outside, such as deactivation).</summary>
    private protected bool TryAcquireIdle() => Interlocked.CompareExchange(ref _state, Running, Idle) == Idle;

    /// <summary>True when no message waits in the mailbox (the save queue is not counted).</summary>
    private protected bool IsMailboxEmpty => _mailbox.IsEmpty;

    /// <summary>Takes the next mailbox envelope. Owner only.</summary>
    private protected bool TryDequeue([NotNullWhen(true)] out Envelope? envelope)
    {
        if (_mailbox.TryDequeue(out envelope))
        {
            _messagesHandled++;
            return true;
        }
        return false;
    }

    /// <summary>Moves everything in the mailbox to the save queue. Owner only.</summary>
    private protected void DrainMailboxToSaved()
    {
        while (_mailbox.TryDequeue(out var envelope))
        {
            _messagesHandled++;
            _saved.Append(envelope);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Exit
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Ends the process with <paramref name="reason"/>: signals its links, fires its monitors, releases its name.
    /// Returns false when it had already exited. Safe from any thread.
    /// </summary>
    /// <param name="reason">The exit reason.</param>
    /// <param name="crash">The exception the process's own code threw, to log with its stack trace.</param>
    internal bool Die(ExitReason reason, Exception? crash = null)
    {
        List<Pid>? links;
        Dictionary<long, Pid>? monitors;
        Dictionary<long, object>? watchers;
        string? name;
        CancellationTokenSource? aborted;
        lock (this)
        {
            if (_exitReason is not null)
            {
                return false;
            }
            _exitReason = reason;
            links = _links;
            monitors = _monitors;
            watchers = _watchers;
            name = _registeredName;
            aborted = _aborted;
            _links = null;
            _monitors = null;
            _watchers = null;
        }

        if (crash is not null)
        {
            LogCrash(_node.Logger, Self, TypeName, reason, crash);
        }
        _node.OnProcessExited(this, name);
        if (aborted is not null)
        {
            try
            {
                aborted.Cancel();
            }
            catch (AggregateException e)
            {
                LogAbortCallbackFailed(_node.Logger, Self, e);
            }
        }
        if (links is not null)
        {
            foreach (var linked in links)
            {
                _node.Router.SendExitSignal(Self, this, linked, reason, viaLink: true);
            }
        }
        if (watchers is not null)
        {
            foreach (var (monitorRef, watcher) in watchers)
            {
                switch (watcher)
                {
                    case Pid watcherPid:
                        _node.Router.DeliverDown(watcherPid, new MonitorRef(monitorRef), Self, reason);
                        break;
                    case TaskCompletionSource<ExitReason> completion:
                        completion.TrySetResult(reason);
                        break;
                }
            }
        }
        if (monitors is not null)
        {
            foreach (var (monitorRef, target) in monitors)
            {
                _node.Router.RemoveWatcher(target, monitorRef);
            }
        }
        OnExited();
        return true;
    }

    /// <summary>Called once after the process exited; by default makes sure an owner runs to drain the mailbox.</summary>
    private protected virtual void OnExited() => Wake();

    /// <summary>Empties the mailbox of an exited process: calls fail, other messages are dead letters or forwarded. Owner only.</summary>
    private protected void DrainAfterExit()
    {
        var reason = _exitReason!;
        while (_saved.TryTakeFirst(out var saved))
        {
            OnUndelivered(saved, reason, queuedBeforeExit: true);
        }
        while (_mailbox.TryDequeue(out var envelope))
        {
            OnUndelivered(envelope, reason, queuedBeforeExit: true);
        }
    }

    /// <summary>An envelope that reached an exited process before it could be queued.</summary>
    private protected virtual void OnPostedAfterExit(Envelope envelope) =>
        OnUndelivered(envelope, _exitReason!, queuedBeforeExit: false);

    /// <summary>
    /// What becomes of a message this exited process will never handle. A call fails (with the exit reason if it was
    /// queued before the exit, as the caller's monitor would report in Erlang; with noproc otherwise); any other
    /// message is a dead letter. Virtual processes override this to forward to their next activation.
    /// </summary>
    private protected virtual void OnUndelivered(Envelope envelope, ExitReason exitReason, bool queuedBeforeExit)
    {
        if (envelope.Kind == EnvelopeKind.Stop)
        {
            return; // Asked to stop, and already gone.
        }
        if (Self.IsVirtual && envelope.ForwardCount < MaxForwards)
        {
            // A virtual process always exists logically: what its ended activation did not handle goes to the next one.
            envelope.ForwardCount++;
            _node.Router.Deliver(Self, envelope);
            return;
        }
        var message = envelope.Message!;
        if (envelope.Kind == EnvelopeKind.Call)
        {
            envelope.ReplyTo!.Fail(envelope.ReplyToken, queuedBeforeExit ? exitReason : ExitReason.NoProc);
            return;
        }
        if (message is Down or ProcessGrid.Exit)
        {
            return; // Signals to a dead process vanish, as in Erlang; they are not user messages.
        }
        _node.DeadLetters.Report(Self.ToString(), message, queuedBeforeExit
            ? $"the process exited ({exitReason}) before handling it"
            : $"noproc: the process has exited ({exitReason})");
    }

    /// <summary>Throws <see cref="ProcessExitedException"/> when the process has exited (its code is being unwound).</summary>
    private protected void ThrowIfExited()
    {
        if (_exitReason is { } reason)
        {
            throw new ProcessExitedException(Self, reason);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Signals from other processes (any thread)
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Applies an exit signal from <paramref name="from"/> with Erlang's rules: <c>kill</c> sent directly cannot be
    /// trapped and ends the process with <c>killed</c>; a process that traps exits gets an <see cref="ProcessGrid.Exit"/>
    /// message; otherwise <c>normal</c> is ignored (unless the process signals itself) and any other reason ends it.
    /// A signal through a link counts only while the link exists.
    /// </summary>
    internal void ReceiveExitSignal(Pid from, ExitReason reason, bool viaLink)
    {
        lock (this)
        {
            if (_exitReason is not null)
            {
                return;
            }
            if (viaLink && (_links is null || !_links.Remove(from)))
            {
                return; // Unlinked meanwhile: no exit signal due to the link arrives after unlink.
            }
        }
        ApplyExitSignal(from, reason, viaLink);
    }

    private void ApplyExitSignal(Pid from, ExitReason reason, bool viaLink)
    {
        ExitReason? dieWith;
        lock (this)
        {
            if (_exitReason is not null)
            {
                return;
            }
            if (reason.Kind == ExitReasonKind.Kill && !viaLink)
            {
                dieWith = ProcessGrid.ExitReason.Killed;
            }
            else if (_trapExit)
            {
                _mailbox.Enqueue(new Envelope(EnvelopeKind.Message, new Exit(from, reason)));
                dieWith = null;
            }
            else if (reason.Kind == ExitReasonKind.Normal)
            {
                dieWith = from == Self ? reason : null;
            }
            else
            {
                dieWith = reason;
            }
        }
        if (dieWith is not null)
        {
            Die(dieWith);
        }
        else
        {
            Wake();
        }
    }

    /// <summary>
    /// The other half of <c>link</c>: records <paramref name="from"/> as linked. False when this process has exited (the
    /// linker then gets <c>noproc</c>). If the linker exited before its link arrived here, its exit signal is applied at
    /// once, as if link and exit had arrived in order.
    /// </summary>
    internal bool AcceptLink(Pid from, ProcessCell? fromCell)
    {
        ExitReason? linkerExit;
        lock (this)
        {
            if (_exitReason is not null)
            {
                return false;
            }
            linkerExit = fromCell?._exitReason;
            if (linkerExit is null)
            {
                _links ??= [];
                if (!_links.Contains(from))
                {
                    _links.Add(from);
                }
                return true;
            }
        }
        ApplyExitSignal(from, linkerExit, viaLink: true);
        return true;
    }

    /// <summary>The other half of <c>unlink</c>.</summary>
    internal void RemoveLink(Pid other)
    {
        lock (this)
        {
            _links?.Remove(other);
        }
    }

    /// <summary>Records a monitor on this process; false when it has exited (the watcher then gets <c>noproc</c>).</summary>
    internal bool AddWatcher(long monitorRef, object watcher)
    {
        lock (this)
        {
            if (_exitReason is not null)
            {
                return false;
            }
            (_watchers ??= [])[monitorRef] = watcher;
            return true;
        }
    }

    /// <summary>Forgets a monitor on this process.</summary>
    internal void RemoveWatcher(long monitorRef)
    {
        lock (this)
        {
            _watchers?.Remove(monitorRef);
        }
    }

    /// <summary>
    /// Delivers a <see cref="Down"/> for a monitor this process holds, unless it was demonitored: the monitor table is
    /// the single point of truth, so a <see cref="Down"/> arrives exactly once and never after <c>demonitor</c>.
    /// </summary>
    internal void DeliverDown(MonitorRef monitorRef, Pid target, ExitReason reason)
    {
        lock (this)
        {
            if (_exitReason is not null || _monitors is null || !_monitors.Remove(monitorRef.Value))
            {
                return;
            }
            _mailbox.Enqueue(new Envelope(EnvelopeKind.Message, new Down(monitorRef, target, reason)));
        }
        Wake();
    }

    /// <summary>Records the registered name (the registry holds the name → process map).</summary>
    internal bool TrySetRegisteredName(string name)
    {
        lock (this)
        {
            if (_exitReason is not null || _registeredName is not null)
            {
                return false;
            }
            _registeredName = name;
            return true;
        }
    }

    /// <summary>Clears the registered name if it is <paramref name="name"/>.</summary>
    internal void ClearRegisteredName(string name)
    {
        lock (this)
        {
            if (_registeredName == name)
            {
                _registeredName = null;
            }
        }
    }

    /// <summary>True while the process is linked to or monitored by anyone (a virtual process is then kept active).</summary>
    internal bool IsWatched
    {
        get
        {
            lock (this)
            {
                return _links is { Count: > 0 } || _watchers is { Count: > 0 };
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // IProcessContext: operations the process performs on its own behalf
    // ------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public bool TrapExit
    {
        get
        {
            lock (this)
            {
                return _trapExit;
            }
        }
        set
        {
            lock (this)
            {
                _trapExit = value;
            }
        }
    }

    /// <inheritdoc />
    public CancellationToken Aborted
    {
        get
        {
            lock (this)
            {
                if (_exitReason is not null)
                {
                    return new CancellationToken(canceled: true);
                }
                _aborted ??= new CancellationTokenSource();
                return _aborted.Token;
            }
        }
    }

    /// <inheritdoc />
    public virtual ValueTask<object> Receive(Func<object, bool>? match = null) => throw ReceiveNotSupported();

    /// <inheritdoc />
    public virtual ValueTask<T> Receive<T>(Func<T, bool>? match = null) => throw ReceiveNotSupported();

    /// <inheritdoc />
    public virtual ValueTask<ReceiveResult<T>> Receive<T>(TimeSpan timeout, Func<T, bool>? match = null) => throw ReceiveNotSupported();

    private NotSupportedException ReceiveNotSupported() => new(
        $"{TypeName} is a GenServer: it receives through its callbacks (HandleCallAsync, HandleCastAsync, HandleInfoAsync), not with Receive.");

    /// <inheritdoc />
    public void Send(Pid to, object message)
    {
        ThrowIfExited();
        _node.Send(to, message);
    }

    /// <inheritdoc />
    public void Send(string name, object message)
    {
        ThrowIfExited();
        _node.Send(name, message);
    }

    /// <inheritdoc />
    public void Cast(Pid to, object message)
    {
        ThrowIfExited();
        _node.Cast(to, message);
    }

    /// <inheritdoc />
    public ValueTask<TReply> Call<TReply>(Pid to, object request, TimeSpan? timeout = null)
    {
        ThrowIfExited();
        return _node.Call<TReply>(to, request, timeout, Self);
    }

    /// <inheritdoc />
    public void Reply(CallFrom from, object? reply)
    {
        if (!from.IsValid)
        {
            throw new ArgumentException("This CallFrom names no call: use the one your HandleCallAsync (or CallRequest) received.", nameof(from));
        }
        from.Target!.Reply(from.Token, reply);
    }

    /// <inheritdoc />
    public void Link(Pid pid)
    {
        ArgumentNullException.ThrowIfNull(pid);
        ThrowIfExited();
        if (pid == Self)
        {
            return;
        }
        lock (this)
        {
            ThrowIfExited();
            _links ??= [];
            if (_links.Contains(pid))
            {
                return;
            }
            _links.Add(pid);
        }
        if (_node.Router.AcceptLink(pid, Self, this) is { } failure)
        {
            ReceiveExitSignal(pid, failure, viaLink: true);
            ThrowIfExited();
        }
    }

    /// <inheritdoc />
    public void Unlink(Pid pid)
    {
        ArgumentNullException.ThrowIfNull(pid);
        ThrowIfExited();
        bool removed;
        lock (this)
        {
            removed = _links?.Remove(pid) ?? false;
        }
        if (removed)
        {
            _node.Router.RemoveLink(pid, Self);
        }
    }

    /// <inheritdoc />
    public MonitorRef Monitor(Pid pid)
    {
        ArgumentNullException.ThrowIfNull(pid);
        ThrowIfExited();
        var monitorRef = _node.NewMonitorRef();
        lock (this)
        {
            (_monitors ??= [])[monitorRef.Value] = pid;
        }
        if (_node.Router.AddWatcher(pid, monitorRef.Value, Self) is { } failure)
        {
            DeliverDown(monitorRef, pid, failure);
        }
        return monitorRef;
    }

    /// <summary>Records a monitor this process holds on a process it is about to spawn (spawn_monitor).</summary>
    internal void AddHeldMonitor(MonitorRef monitorRef, Pid target)
    {
        lock (this)
        {
            (_monitors ??= [])[monitorRef.Value] = target;
        }
    }

    /// <summary>Records a link to a process it is about to spawn (spawn_link), before that process runs.</summary>
    internal void AddLinkUnchecked(Pid other)
    {
        lock (this)
        {
            _links ??= [];
            _links.Add(other);
        }
    }

    /// <inheritdoc />
    public bool Demonitor(MonitorRef monitor, bool flush = false)
    {
        ThrowIfExited();
        Pid? target = null;
        lock (this)
        {
            _monitors?.Remove(monitor.Value, out target);
        }
        if (target is not null)
        {
            _node.Router.RemoveWatcher(target, monitor.Value);
            return true;
        }
        if (flush)
        {
            // The Down (if any) is already queued: Down delivery removes the monitor under the lock before queueing.
            DrainMailboxToSaved();
            _saved.TryTake(static (envelope, r) => envelope.Message is Down down && down.Ref == r, monitor, out _);
        }
        return false;
    }

    /// <inheritdoc />
    public Pid Spawn(Func<IProcessContext, Task> body)
    {
        ThrowIfExited();
        return _node.SpawnFunction(body, null, this, link: false, monitor: null);
    }

    /// <inheritdoc />
    public Pid SpawnLink(Func<IProcessContext, Task> body)
    {
        ThrowIfExited();
        return _node.SpawnFunction(body, null, this, link: true, monitor: null);
    }

    /// <inheritdoc />
    public (Pid Pid, MonitorRef Monitor) SpawnMonitor(Func<IProcessContext, Task> body)
    {
        ThrowIfExited();
        var monitorRef = _node.NewMonitorRef();
        return (_node.SpawnFunction(body, null, this, link: false, monitor: monitorRef), monitorRef);
    }

    /// <inheritdoc />
    public Pid Spawn<TProcess>(params object[] args) where TProcess : ProcessBehavior
    {
        ThrowIfExited();
        return _node.SpawnBehavior(typeof(TProcess), args, null, this, link: false, monitor: null, startWaiter: null);
    }

    /// <inheritdoc />
    public Pid SpawnLink<TProcess>(params object[] args) where TProcess : ProcessBehavior
    {
        ThrowIfExited();
        return _node.SpawnBehavior(typeof(TProcess), args, null, this, link: true, monitor: null, startWaiter: null);
    }

    /// <inheritdoc />
    public (Pid Pid, MonitorRef Monitor) SpawnMonitor<TProcess>(params object[] args) where TProcess : ProcessBehavior
    {
        ThrowIfExited();
        var monitorRef = _node.NewMonitorRef();
        return (_node.SpawnBehavior(typeof(TProcess), args, null, this, link: false, monitor: monitorRef, startWaiter: null), monitorRef);
    }

    /// <inheritdoc />
    public ValueTask<Pid> StartLinkAsync<TProcess>(params object[] args) where TProcess : ProcessBehavior =>
        StartLinkAsync<TProcess>(new SpawnOptions(), args);

    /// <inheritdoc />
    public ValueTask<Pid> StartLinkAsync<TProcess>(SpawnOptions options, params object[] args) where TProcess : ProcessBehavior
    {
        ThrowIfExited();
        return _node.StartBehaviorAsync(typeof(TProcess), args, options, this, link: true);
    }

    /// <inheritdoc />
    public void Exit(Pid pid, ExitReason reason)
    {
        ThrowIfExited();
        _node.Router.SendExitSignal(Self, this, pid, reason, viaLink: false);
        ThrowIfExited();
    }

    /// <inheritdoc />
    [DoesNotReturn]
    public void Exit(ExitReason reason) => throw new ExitException(reason);

    /// <inheritdoc />
    public TimerRef SendAfter(TimeSpan delay, object message) => _node.SendAfter(delay, Self, message);

    /// <inheritdoc />
    public TimerRef SendAfter(TimeSpan delay, Pid to, object message) => _node.SendAfter(delay, to, message);

    /// <inheritdoc />
    public TimeSpan? CancelTimer(TimerRef timer) => _node.CancelTimer(timer);

    // ------------------------------------------------------------------------------------------------------------
    // Introspection
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>A snapshot for <c>process_info</c>.</summary>
    internal ProcessInfo Snapshot()
    {
        Pid[] links, monitors, monitoredBy;
        bool trapExit;
        string? name;
        lock (this)
        {
            links = _links?.ToArray() ?? [];
            monitors = _monitors?.Values.ToArray() ?? [];
            monitoredBy = _watchers?.Values.OfType<Pid>().ToArray() ?? [];
            trapExit = _trapExit;
            name = _registeredName;
        }
        var status = _exitReason is not null
            ? ProcessStatus.Exiting
            : Volatile.Read(ref _state) switch
            {
                Idle => ProcessStatus.Waiting,
                Scheduled => ProcessStatus.Runnable,
                _ => ProcessStatus.Running,
            };
        return new ProcessInfo(
            Self,
            status,
            TypeName,
            name,
            _mailbox.CountSlow() + _saved.Count,
            links,
            monitors,
            monitoredBy,
            trapExit,
            Parent,
            Volatile.Read(ref _messagesHandled),
            DateTimeOffset.FromUnixTimeMilliseconds(_startedAtUnixMs));
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "Process {Pid} ({Type}) crashed with reason {Reason}")]
    private static partial void LogCrash(ILogger logger, Pid pid, string type, ExitReason reason, Exception exception);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "A callback registered on the Aborted token of process {Pid} threw")]
    private static partial void LogAbortCallbackFailed(ILogger logger, Pid pid, Exception exception);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessGrid.Runtime.Activation;
using ProcessGrid.Runtime.Hosting;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Node;
using ProcessGrid.Runtime.Processes;
using ProcessGrid.Runtime.Timers;

namespace ProcessGrid.Runtime;

/// <summary>
/// One node of the grid (Orleans' silo, Erlang's node): it owns the processes that live here, their names, timers and
/// virtual-process activations, and implements <see cref="IProcessGrid"/> for code inside and outside processes.
/// </summary>
/// <remarks>
/// Use it through the generic host (<c>services.AddProcessGrid(...)</c>) or on its own with <see cref="Start"/>.
/// <see cref="StopAsync"/> stops it gracefully: the processes started from outside any process (the roots, such as
/// top-level supervisors) get an exit signal <c>shutdown</c> one by one in reverse start order, each waited for, then
/// virtual processes are deactivated, then whatever is left is ended.
/// </remarks>
public sealed partial class ProcessNode : IProcessGrid, IPidHost, IAsyncDisposable
{
    private const int NotStarted = 0;
    private const int Started = 1;
    private const int Stopping = 2;
    private const int Stopped = 3;

    private readonly ProcessGridOptions _options;
    private readonly IServiceProvider _services;
    private readonly ConcurrentDictionary<Type, ObjectFactory> _factories = new();
    private long _nextId = 1;
    private long _nextMonitorRef;
    private int _lifecycle;

    /// <summary>Creates a node; it runs nothing until <see cref="StartNode"/>.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public ProcessNode(ProcessGridOptions options, IServiceProvider? services = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        LoggerFactory = loggers;
        // A node built without a host still hands its logger factory to the process classes it builds, so that
        // processes which log (a supervisor's reports, say) write where the node itself writes.
        _services = services ?? new LoggingOnlyServices(loggers);
        Logger = loggers.CreateLogger("ProcessGrid.Node");
        Node = NodeName.Parse(options.NodeName);
        Creation = NodeCreation.Next();
        SystemPid = Pid.ForSpawned(Node, Creation, 1);
        SystemPid.Host = this;
        DeadLetterOffice = new DeadLetterOffice(loggers.CreateLogger("ProcessGrid.DeadLetters"), options.DeadLetterLogLinesPerSecond);
        Table = new ProcessTable(() => Interlocked.Read(ref _nextId));
        Router = new MessageRouter(this);
        Timers = new TimerWheel(options.TimerResolution);
        Activations = new VirtualActivations(this, options.VirtualProcessIdleTimeout, options.VirtualProcessCollectionQuantum);
        Placement = new Placement.VirtualPlacement(this);
        foreach (var type in options.VirtualProcesses)
        {
            Activations.Kinds.Register(type);
        }
        for (var i = 0; i < options.Assemblies.Count; i++)
        {
            var assembly = VirtualProcessDiscovery.Load($"{ProcessGridOptions.SectionName}:{nameof(options.Assemblies)}:{i}", options.Assemblies[i]);
            foreach (var type in VirtualProcessDiscovery.In(assembly))
            {
                Activations.Kinds.Register(type);
            }
        }
    }

    /// <summary>Creates and starts a node on its own (without the generic host).</summary>
    public static ProcessNode Start(ProcessGridOptions? options = null, IServiceProvider? services = null, ILoggerFactory? loggerFactory = null)
    {
        var node = new ProcessNode(options ?? new ProcessGridOptions(), services, loggerFactory);
        node.StartNode();
        return node;
    }

    /// <inheritdoc />
    public NodeName Node { get; }

    /// <inheritdoc />
    public long Creation { get; }

    /// <summary>The pid that stands for the node itself: the parent of processes started from outside any process, and the sender of exit signals sent from outside.</summary>
    public Pid SystemPid { get; }

    /// <summary>The options the node runs with.</summary>
    public ProcessGridOptions Options => _options;

    /// <inheritdoc />
    public IDeadLetters DeadLetters => DeadLetterOffice;

    internal ILogger Logger { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal DeadLetterOffice DeadLetterOffice { get; }

    internal MessageRouter Router { get; }

    internal TimerWheel Timers { get; }

    internal ProcessTable Table { get; }

    internal LocalRegistry Names { get; } = new();

    internal VirtualActivations Activations { get; }

    /// <summary>Where virtual processes live in the cluster.</summary>
    internal Placement.VirtualPlacement Placement { get; }

    /// <summary>True once a graceful stop has begun: ending virtual processes no longer hand their backlog on.</summary>
    internal bool IsStopping => Volatile.Read(ref _lifecycle) >= Stopping;

    /// <summary>Starts the node: from here on it runs processes.</summary>
    public void StartNode()
    {
        StartLocal();
        StartKernel();
    }

    /// <summary>Starts the node's own machinery, before its kernel services and before any cluster.</summary>
    private void StartLocal()
    {
        if (Interlocked.CompareExchange(ref _lifecycle, Started, NotStarted) != NotStarted)
        {
            throw new InvalidOperationException($"Node {Node} was already started.");
        }
        PidHosts.Add(this);
        LogStarted(Logger, Node, Creation);
    }

    private void EnsureRunning()
    {
        var state = Volatile.Read(ref _lifecycle);
        if (state == NotStarted)
        {
            throw new InvalidOperationException($"Node {Node} has not been started: call StartNode() (the generic host does this for you).");
        }
        if (state == Stopped)
        {
            throw new InvalidOperationException($"Node {Node} has stopped; start a new node to run processes.");
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Spawning
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Pid Spawn(Func<IProcessContext, Task> body, SpawnOptions? options = null) =>
        SpawnFunction(body, options, null, link: false, monitor: null);

    /// <inheritdoc />
    public Pid Spawn<TProcess>(params object[] args) where TProcess : ProcessBehavior =>
        SpawnBehavior(typeof(TProcess), args, null, null, link: false, monitor: null, startWaiter: null);

    /// <inheritdoc />
    public Pid Spawn<TProcess>(SpawnOptions options, params object[] args) where TProcess : ProcessBehavior =>
        SpawnBehavior(typeof(TProcess), args, options, null, link: false, monitor: null, startWaiter: null);

    /// <inheritdoc />
    public ValueTask<Pid> StartAsync<TProcess>(params object[] args) where TProcess : ProcessBehavior =>
        StartBehaviorAsync(typeof(TProcess), args, null, null, link: false);

    /// <inheritdoc />
    public ValueTask<Pid> StartAsync<TProcess>(SpawnOptions options, params object[] args) where TProcess : ProcessBehavior =>
        StartBehaviorAsync(typeof(TProcess), args, options, null, link: false);

    internal Pid SpawnFunction(Func<IProcessContext, Task> body, SpawnOptions? options, ProcessCell? parent, bool link, MonitorRef? monitor)
    {
        ArgumentNullException.ThrowIfNull(body);
        EnsureRunning();
        var cell = new FunctionProcessCell(this, NewPid(), parent?.Self ?? SystemPid, body);
        Admit(cell, options, parent, link, monitor);
        cell.Start();
        return cell.Self;
    }

    internal Pid SpawnBehavior(
        Type type, object[] args, SpawnOptions? options, ProcessCell? parent, bool link, MonitorRef? monitor, TaskCompletionSource<Pid>? startWaiter)
    {
        EnsureRunning();
        if (options?.Name is { } name && Names.Whereis(name) is { } holder)
        {
            // Refuse before building the class: its constructor may have effects. (Admit re-checks atomically.)
            throw new ArgumentException($"Cannot start the process as '{name}': the name '{name}' is already registered to {holder}.", nameof(options));
        }
        var behavior = CreateBehavior(type, args);
        var pid = NewPid();
        ProcessCell cell = behavior switch
        {
            GenServer server => new ServerProcessCell(this, pid, parent?.Self ?? SystemPid, server),
            GridProcess process => new FunctionProcessCell(this, pid, parent?.Self ?? SystemPid, process),
            _ => throw new ArgumentException($"{type.FullName} is neither a GridProcess nor a GenServer.", nameof(type)),
        };
        if (startWaiter is not null)
        {
            cell.AwaitStart(startWaiter, link ? parent : null);
        }
        Admit(cell, options, parent, link, monitor);
        cell.Start();
        return pid;
    }

    internal async ValueTask<Pid> StartBehaviorAsync(Type type, object[] args, SpawnOptions? options, ProcessCell? parent, bool link)
    {
        var waiter = new TaskCompletionSource<Pid>(TaskCreationOptions.RunContinuationsAsynchronously);
        SpawnBehavior(type, args, options, parent, link, monitor: null, waiter);
        return await waiter.Task.ConfigureAwait(false);
    }

    /// <summary>Builds an activation (not started, not registered) of the virtual process <paramref name="pid"/>.</summary>
    internal ActivationCell CreateActivation(VirtualKind kind, Pid pid)
    {
        var self = Pid.ForVirtual(pid.Kind!, pid.Key!);
        var slots = Persistence.PersistentStateSlots.Of(kind.Type);
        if (slots.IsEmpty)
        {
            return new ActivationCell(this, self, kind, (GenServer)CreateBehavior(kind.Type, []), []);
        }
        var (server, states) = slots.Create(StatePersistence, _services, self, kind.Type);
        return new ActivationCell(this, self, kind, server, states);
    }

    private ProcessBehavior CreateBehavior(Type type, object[] args)
    {
        if (!typeof(ProcessBehavior).IsAssignableFrom(type) || type.IsAbstract)
        {
            throw new ArgumentException($"{type.FullName} cannot run as a process: it must be a concrete GridProcess or GenServer class.", nameof(type));
        }
        try
        {
            if (args.Length == 0)
            {
                var factory = _factories.GetOrAdd(type, static t => ActivatorUtilities.CreateFactory(t, Type.EmptyTypes));
                return (ProcessBehavior)factory(_services, null);
            }
            return (ProcessBehavior)ActivatorUtilities.CreateInstance(_services, type, args);
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException(
                $"Cannot build {type.FullName} with the arguments given ({string.Join(", ", args.Select(a => a?.GetType().Name ?? "null"))}) " +
                $"and the node's services: {e.Message}", nameof(args), e);
        }
    }

    /// <summary>Makes a new process known: table, name, link and monitor to its parent, before it first runs.</summary>
    private void Admit(ProcessCell cell, SpawnOptions? options, ProcessCell? parent, bool link, MonitorRef? monitor)
    {
        Table.Add(cell);
        if (options?.Name is { } name && Names.TryRegister(name, cell) is { } error)
        {
            Table.Remove(cell);
            throw new ArgumentException($"Cannot start the process as '{name}': {error}.", nameof(options));
        }
        if (parent is null)
        {
            return;
        }
        if (link)
        {
            // Parent first: if the parent exits meanwhile, the child's AcceptLink sees it and applies its exit signal.
            parent.AddLinkUnchecked(cell.Self);
            cell.AcceptLink(parent.Self, parent);
        }
        if (monitor is { } monitorRef)
        {
            parent.AddHeldMonitor(monitorRef, cell.Self);
            cell.AddWatcher(monitorRef.Value, parent.Self);
        }
    }

    private Pid NewPid()
    {
        return Pid.ForLocalSpawn(Node, Creation, Interlocked.Increment(ref _nextId));
    }

    internal MonitorRef NewMonitorRef() => new(Interlocked.Increment(ref _nextMonitorRef));

    /// <summary>
    /// Called once when a process exits: it leaves the process table and releases its name. (A virtual process's
    /// activation stays registered until its owner has handed its backlog on; see <see cref="ActivationCell"/>.)
    /// </summary>
    internal void OnProcessExited(ProcessCell cell, string? registeredName)
    {
        if (!cell.Self.IsVirtual)
        {
            Table.Remove(cell);
        }
        if (registeredName is not null)
        {
            Names.Release(registeredName, cell);
        }
    }

    /// <summary>True when <paramref name="pid"/> names a spawned process of this node run that is no longer alive.</summary>
    internal bool IsExitedLocalProcess(Pid pid) =>
        !pid.IsVirtual && pid.Node == Node && pid.Creation == Creation && (pid.Cell is ProcessCell cell ? !cell.IsAlive : Table.Find(pid.Id) is null);

    // ----------------------------------------------------------------------------------------------------------------
    // Messaging
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public void Send(Pid to, object message)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(message);
        Router.Deliver(to, new Envelope(EnvelopeKind.Message, message));
    }

    /// <inheritdoc />
    public void Send(string name, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var cell = Names.Find(name) ?? throw new NameNotRegisteredException(name);
        cell.Post(new Envelope(EnvelopeKind.Message, message));
    }

    /// <inheritdoc />
    public void Cast(Pid to, object message)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(message);
        Router.Deliver(to, new Envelope(EnvelopeKind.Cast, message));
    }

    /// <inheritdoc />
    public ValueTask<TReply> Call<TReply>(Pid to, object request, TimeSpan? timeout = null) => Call<TReply>(to, request, timeout, caller: null);

    /// <inheritdoc />
    public ValueTask<TReply> Call<TReply>(string name, object request, TimeSpan? timeout = null)
    {
        var cell = Names.Find(name);
        return cell is null
            ? ValueTask.FromException<TReply>(new CallException(name, Node, ExitReason.NoProc))
            : Call<TReply>(cell.Self, request, timeout, caller: null);
    }

    internal ValueTask<TReply> Call<TReply>(Pid to, object request, TimeSpan? timeout, Pid? caller)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(request);
        var slot = new CallSlot<TReply>(to);
        var wait = timeout ?? _options.DefaultCallTimeout;
        if (wait != Timeout.InfiniteTimeSpan)
        {
            if (wait < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A call timeout is positive (or Timeout.InfiniteTimeSpan).");
            }
            Timers.Schedule(slot, wait);
        }
        if (Router.FindSpawned(to) is { } callee)
        {
            // Only spawned callees: a virtual process outlives its activations, whose unhandled calls are handed on.
            var key = NewMonitorRef().Value;
            if (callee.AddWatcher(key, slot))
            {
                slot.SetWatch(callee, key);
            }
        }
        Router.Deliver(to, new Envelope(request, slot, 0, caller));
        return slot.Task;
    }

    /// <inheritdoc />
    public void Exit(Pid pid, ExitReason reason)
    {
        ArgumentNullException.ThrowIfNull(pid);
        ArgumentNullException.ThrowIfNull(reason);
        Router.SendExitSignal(SystemPid, null, pid, reason, viaLink: false);
    }

    void IPidHost.Send(Pid to, object message) => Send(to, message);

    // ----------------------------------------------------------------------------------------------------------------
    // Names
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public void Register(string name, Pid pid)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(pid);
        if (pid.IsVirtual || pid.Node != Node || pid.Creation != Creation || (pid.Cell as ProcessCell ?? Table.Find(pid.Id)) is not { } cell)
        {
            throw new ArgumentException($"Cannot register '{name}': {pid} is not a live process of this node (names are node-local; see the global registry for cluster-wide names).", nameof(pid));
        }
        if (Names.TryRegister(name, cell) is { } error)
        {
            throw new ArgumentException($"Cannot register '{name}': {error}.", nameof(name));
        }
    }

    /// <inheritdoc />
    public bool Unregister(string name) => Names.Unregister(name);

    /// <inheritdoc />
    public Pid? Whereis(string name) => Names.Whereis(name);

    /// <inheritdoc />
    public IReadOnlyList<string> Registered() => Names.Names;

    // ----------------------------------------------------------------------------------------------------------------
    // Virtual processes
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public Pid Virtual<TProcess>(string key) where TProcess : GenServer
    {
        ArgumentNullException.ThrowIfNull(key);
        var kind = Activations.Kinds.Register(typeof(TProcess));
        var pid = Pid.ForVirtual(kind.Name, key);
        pid.Host = this;
        return pid;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Timers
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public TimerRef SendAfter(TimeSpan delay, Pid to, object message)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(message);
        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "A timer's delay is zero or more.");
        }
        var timer = new SendAfterTimer(this, to, message);
        Timers.Schedule(timer, delay);
        return new TimerRef(timer);
    }

    /// <inheritdoc />
    public TimeSpan? CancelTimer(TimerRef timer)
    {
        if (timer.Entry is not SendAfterTimer entry || !entry.TryComplete(TimerEntry.Cancelled))
        {
            return null;
        }
        return IsExitedLocalProcess(entry.To) ? null : Timers.Remaining(entry);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Introspection
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public ProcessInfo? GetProcessInfo(Pid pid)
    {
        ArgumentNullException.ThrowIfNull(pid);
        ProcessCell? cell = pid.IsVirtual
            ? Activations.Find(pid)
            : pid.Node == Node && pid.Creation == Creation ? Table.Find(pid.Id) : null;
        return cell is { IsAlive: true } ? cell.Snapshot() : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<Pid> Processes()
    {
        var result = new List<Pid>(Table.Count + Activations.Count);
        foreach (var cell in Table.All)
        {
            result.Add(cell.Self);
        }
        foreach (var cell in Activations.All)
        {
            result.Add(cell.Self);
        }
        return result;
    }

    /// <inheritdoc />
    public Task<ExitReason> WhenExited(Pid pid)
    {
        ArgumentNullException.ThrowIfNull(pid);
        var completion = new TaskCompletionSource<ExitReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Router.AddWatcher(pid, NewMonitorRef().Value, completion) is { } failure)
        {
            completion.TrySetResult(failure);
        }
        return completion.Task;
    }

    /// <summary>Completes when this exact process (cell) exits.</summary>
    internal Task<ExitReason> WhenExited(ProcessCell cell)
    {
        var completion = new TaskCompletionSource<ExitReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!cell.AddWatcher(NewMonitorRef().Value, completion))
        {
            completion.TrySetResult(cell.ExitReason ?? ExitReason.NoProc);
        }
        return completion.Task;
    }

    /// <inheritdoc />
    public Pid ParsePid(string text)
    {
        var pid = Pid.Parse(text);
        pid.Host = this;
        return pid;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Stopping
    // ----------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Stops the node gracefully: root processes get <c>shutdown</c> in reverse start order, each waited for (so
    /// supervision trees stop in order), then virtual processes are deactivated, then the rest are ended. Bounded by
    /// <see cref="ProcessGridOptions.ShutdownTimeout"/> (and <paramref name="cancellationToken"/>): past it, what remains is killed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _lifecycle, Stopping, Started) != Started)
        {
            return;
        }
        LogStopping(Logger, Node);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ShutdownTimeout);
        if (_membership is { } membership)
        {
            // Tell the cluster first: peers stop placing work here and report this node's going as Left, not as a failure.
            await membership.BeginLeaveAsync(deadline.Token).ConfigureAwait(false);
        }

        var roots = Table.All.Where(cell => cell.Parent == SystemPid).OrderByDescending(cell => cell.Self.Id).ToList();
        foreach (var root in roots)
        {
            var exited = WhenExited(root);
            root.ReceiveExitSignal(SystemPid, ExitReason.Shutdown, viaLink: false);
            if (!await CompletesBefore(exited, deadline.Token).ConfigureAwait(false))
            {
                LogRootShutdownTimedOut(Logger, root.Self, root.TypeName);
                root.Die(ExitReason.Killed);
            }
        }

        var deactivations = Activations.StopAll(ExitReason.Shutdown);
        if (!await CompletesBefore(Task.WhenAll(deactivations), deadline.Token).ConfigureAwait(false))
        {
            LogDeactivationTimedOut(Logger, Activations.Count);
        }

        foreach (var cell in Table.All.ToList())
        {
            cell.Die(ExitReason.Shutdown);
        }
        foreach (var cell in Activations.All.ToList())
        {
            cell.Die(ExitReason.Shutdown);
        }

        await StopKernelAsync().ConfigureAwait(false);
        await StopClusterAsync(deadline.Token, leave: true).ConfigureAwait(false);
        FinishStop(NodeTermination.Stopped);
    }

    private void FinishStop(NodeTermination how)
    {
        ClosePersistence();
        Activations.Dispose();
        Timers.Dispose();
        PidHosts.Remove(this);
        Volatile.Write(ref _lifecycle, Stopped);
        LogStopped(Logger, Node);
        _termination.TrySetResult(how);
    }

    private static async Task<bool> CompletesBefore(Task task, CancellationToken deadline)
    {
        try
        {
            await task.WaitAsync(deadline).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Node {Node} started (creation {Creation})")]
    private static partial void LogStarted(ILogger logger, NodeName node, long creation);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Node {Node} stopping: shutting down process trees in reverse start order")]
    private static partial void LogStopping(ILogger logger, NodeName node);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Node {Node} stopped")]
    private static partial void LogStopped(ILogger logger, NodeName node);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Root process {Pid} ({Type}) did not stop within the shutdown timeout; killed")]
    private static partial void LogRootShutdownTimedOut(ILogger logger, Pid pid, string type);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "{Count} virtual processes did not deactivate within the shutdown timeout; ended")]
    private static partial void LogDeactivationTimedOut(ILogger logger, int count);

    /// <summary>The services of a node built without a host: only its logger factory.</summary>
    private sealed class LoggingOnlyServices(ILoggerFactory loggers) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(ILoggerFactory) ? loggers : null;
    }
}

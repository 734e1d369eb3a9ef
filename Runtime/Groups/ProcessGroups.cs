using System.Collections.Concurrent;

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// The node's process groups (Erlang's <c>pg</c> in the kernel application): the scopes it runs, each with its process
/// and its published view. The default scope and the configured ones start with the node; others start on request.
/// </summary>
/// <remarks>
/// A scope's process is a root process of the node, registered under the scope's name. If it crashes, it is started
/// again with an empty state, as a supervisor would (the memberships of this node's processes in that scope are lost,
/// as in Erlang when a scope restarts; the other nodes drop them when they see it go), at most
/// <see cref="MaxRestarts"/> times in <see cref="RestartPeriod"/>; past that it stays down and its operations fail.
/// </remarks>
internal sealed partial class ProcessGroups : IProcessGroups
{
    /// <summary>The most restarts of one scope's process within <see cref="RestartPeriod"/>.</summary>
    private const int MaxRestarts = 3;

    /// <summary>The window <see cref="MaxRestarts"/> counts in.</summary>
    private static readonly TimeSpan RestartPeriod = TimeSpan.FromSeconds(5);

    private readonly ProcessNode _node;
    private readonly ConcurrentDictionary<string, GroupScope> _scopes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Queue<long>> _restarts = new(StringComparer.Ordinal);
    private readonly Lock _starting = new();
    private readonly ILogger _logger;
    private GroupScope _default = null!;

    public ProcessGroups(ProcessNode node)
    {
        _node = node;
        _logger = node.LoggerFactory.CreateLogger("ProcessGrid.Groups");
    }

    /// <summary>Starts the default scope and the scopes the node's options list.</summary>
    public void Start()
    {
        _default = (GroupScope)StartScope(IProcessGroups.DefaultScope);
        foreach (var scope in _node.Options.Groups.Scopes)
        {
            StartScope(scope);
        }
    }

    /// <summary>Where process groups log.</summary>
    internal ILogger Logger => _logger;

    /// <summary>The scope <paramref name="name"/> if this node runs it.</summary>
    internal GroupScope? Find(string name) => _scopes.TryGetValue(name, out var scope) ? scope : null;

    /// <inheritdoc />
    public IReadOnlyList<string> Scopes => [.. _scopes.Keys.Order(StringComparer.Ordinal)];

    /// <inheritdoc />
    public IGroupScope Scope(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Find(name) ?? throw new ArgumentException(
            $"No process-group scope '{name}' runs on {_node.Node}: start it with Groups.StartScope(\"{name}\"), " +
            $"or list it in {Hosting.ProcessGridOptions.SectionName}:Groups:Scopes so that it starts with the node.", nameof(name));
    }

    /// <inheritdoc />
    public IGroupScope StartScope(string name)
    {
        if (GroupsOptions.ScopeNameError(name) is { } error)
        {
            throw new ArgumentException($"Cannot start process-group scope '{name}': {error}", nameof(name));
        }
        lock (_starting)
        {
            if (Find(name) is { } running)
            {
                return running;
            }
            var scope = new GroupScope(_node, name);
            try
            {
                Run(scope);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException(
                    $"Cannot start process-group scope '{name}': its process registers under the scope's name, and {_node.Whereis(name)} already holds " +
                    $"the name '{name}' on {_node.Node}. Choose another scope name, or register that process under another name.", nameof(name), e);
            }
            _scopes[name] = scope;
            LogScopeStarted(_logger, name, _node.Node);
            return scope;
        }
    }

    /// <summary>Starts <paramref name="scope"/>'s process and watches it, to start it again if it crashes.</summary>
    private void Run(GroupScope scope)
    {
        var pid = _node.SpawnBehavior(typeof(ScopeProcess), [scope], new SpawnOptions { Name = scope.Name }, null, link: false, monitor: null, startWaiter: null);
        scope.Process = pid;
        _ = WatchAsync(scope, pid);
    }

    private async Task WatchAsync(GroupScope scope, Pid pid)
    {
        var reason = await _node.WhenExited(pid).ConfigureAwait(false);
        scope.Process = null;
        scope.Publish(ScopeView.Empty); // Its memberships ended with it; readers must not see them as current.
        if (_node.IsStopping || reason.IsNormalOrShutdown)
        {
            return;
        }
        var restarts = _restarts.GetOrAdd(scope.Name, _ => new Queue<long>());
        var now = Environment.TickCount64;
        lock (restarts)
        {
            while (restarts.Count > 0 && now - restarts.Peek() > RestartPeriod.TotalMilliseconds)
            {
                restarts.Dequeue();
            }
            if (restarts.Count >= MaxRestarts)
            {
                LogScopeGaveUp(_logger, scope.Name, reason, MaxRestarts, RestartPeriod);
                return;
            }
            restarts.Enqueue(now);
        }
        LogScopeRestarted(_logger, scope.Name, reason);
        try
        {
            Run(scope);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            LogScopeRestartFailed(_logger, scope.Name, e.Message); // The node stopped meanwhile, or the name was taken.
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // The default scope
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public string Name => _default.Name;

    /// <inheritdoc />
    public ValueTask JoinAsync(string group, Pid pid) => _default.JoinAsync(group, pid);

    /// <inheritdoc />
    public ValueTask JoinAsync(string group, IEnumerable<Pid> pids) => _default.JoinAsync(group, pids);

    /// <inheritdoc />
    public ValueTask<bool> LeaveAsync(string group, Pid pid) => _default.LeaveAsync(group, pid);

    /// <inheritdoc />
    public ValueTask<bool> LeaveAsync(string group, IEnumerable<Pid> pids) => _default.LeaveAsync(group, pids);

    /// <inheritdoc />
    public IReadOnlyList<Pid> GetMembers(string group) => _default.GetMembers(group);

    /// <inheritdoc />
    public IReadOnlyList<Pid> GetLocalMembers(string group) => _default.GetLocalMembers(group);

    /// <inheritdoc />
    public IReadOnlyList<string> WhichGroups() => _default.WhichGroups();

    /// <inheritdoc />
    public IReadOnlyList<string> WhichLocalGroups() => _default.WhichLocalGroups();

    /// <inheritdoc />
    public ValueTask<ScopeMonitor> MonitorScopeAsync(Pid subscriber) => _default.MonitorScopeAsync(subscriber);

    /// <inheritdoc />
    public ValueTask<GroupMonitor> MonitorAsync(Pid subscriber, string group) => _default.MonitorAsync(subscriber, group);

    /// <inheritdoc />
    public ValueTask<bool> DemonitorAsync(MonitorRef monitor) => _default.DemonitorAsync(monitor);

    /// <inheritdoc />
    public int Broadcast(string group, object message) => _default.Broadcast(group, message);

    [LoggerMessage(EventId = 772, Level = LogLevel.Debug, Message = "Process-group scope {Scope} started on {Node}")]
    private static partial void LogScopeStarted(ILogger logger, string scope, NodeName node);

    [LoggerMessage(EventId = 773, Level = LogLevel.Error, Message = "Process-group scope {Scope} crashed ({Reason}); started again, empty: this node's processes are no longer members of its groups")]
    private static partial void LogScopeRestarted(ILogger logger, string scope, ExitReason reason);

    [LoggerMessage(EventId = 774, Level = LogLevel.Critical, Message = "Process-group scope {Scope} crashed ({Reason}) more than {Restarts} times in {Period}; it stays down and its operations fail")]
    private static partial void LogScopeGaveUp(ILogger logger, string scope, ExitReason reason, int restarts, TimeSpan period);

    [LoggerMessage(EventId = 775, Level = LogLevel.Error, Message = "Process-group scope {Scope} could not be started again: {Why}")]
    private static partial void LogScopeRestartFailed(ILogger logger, string scope, string why);
}

using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// One scope on this node as its users see it: reads come from the view the scope's process publishes (no lock, no
/// message), changes and subscriptions are calls to that process, and a broadcast goes straight to the members.
/// </summary>
internal sealed class GroupScope : IGroupScope
{
    private volatile ScopeView _view = ScopeView.Empty;
    private volatile Pid? _process;

    public GroupScope(ProcessNode node, string name)
    {
        Node = node;
        Name = name;
        Logger = node.LoggerFactory.CreateLogger("ProcessGrid.Groups");
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The node the scope runs on.</summary>
    internal ProcessNode Node { get; }

    /// <summary>Where the scope logs.</summary>
    internal ILogger Logger { get; }

    /// <summary>The groups as last published.</summary>
    internal ScopeView View => _view;

    /// <summary>The scope's process, or null while none runs.</summary>
    internal Pid? Process
    {
        get => _process;
        set => _process = value;
    }

    /// <summary>Makes <paramref name="view"/> what readers see (called by the scope's process only).</summary>
    internal void Publish(ScopeView view) => _view = view;

    /// <summary>True for a process of this node's current run (the only ones that may join through it).</summary>
    internal bool IsLocal(Pid pid) => !pid.IsVirtual && pid.Node == Node.Node && pid.Creation == Node.Creation;

    // ----------------------------------------------------------------------------------------------------------------
    // Changes
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public async ValueTask JoinAsync(string group, Pid pid)
    {
        CheckGroup(group);
        CheckLocal(pid, "join a group");
        await CallAsync<object?>(new JoinRequest(group, [pid])).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask JoinAsync(string group, IEnumerable<Pid> pids)
    {
        CheckGroup(group);
        var all = CheckLocal(pids, "join a group");
        if (all.Length > 0)
        {
            await CallAsync<object?>(new JoinRequest(group, all)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> LeaveAsync(string group, Pid pid)
    {
        CheckGroup(group);
        CheckLocal(pid, "leave a group");
        return CallAsync<bool>(new LeaveRequest(group, [pid]));
    }

    /// <inheritdoc />
    public ValueTask<bool> LeaveAsync(string group, IEnumerable<Pid> pids)
    {
        CheckGroup(group);
        var all = CheckLocal(pids, "leave a group");
        return all.Length == 0 ? ValueTask.FromResult(false) : CallAsync<bool>(new LeaveRequest(group, all));
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Reads
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public IReadOnlyList<Pid> GetMembers(string group)
    {
        CheckGroup(group);
        return _view[group].Members;
    }

    /// <inheritdoc />
    public IReadOnlyList<Pid> GetLocalMembers(string group)
    {
        CheckGroup(group);
        return _view[group].LocalMembers;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> WhichGroups() => [.. _view.Groups.Keys.Order(StringComparer.Ordinal)];

    /// <inheritdoc />
    public IReadOnlyList<string> WhichLocalGroups() =>
        [.. _view.Groups.Where(g => !g.Value.LocalMembers.IsEmpty).Select(g => g.Key).Order(StringComparer.Ordinal)];

    // ----------------------------------------------------------------------------------------------------------------
    // Subscriptions
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public ValueTask<ScopeMonitor> MonitorScopeAsync(Pid subscriber)
    {
        CheckLocal(subscriber, "subscribe to changes");
        return CallAsync<ScopeMonitor>(new MonitorScopeRequest(subscriber));
    }

    /// <inheritdoc />
    public ValueTask<GroupMonitor> MonitorAsync(Pid subscriber, string group)
    {
        CheckGroup(group);
        CheckLocal(subscriber, "subscribe to changes");
        return CallAsync<GroupMonitor>(new MonitorGroupRequest(subscriber, group));
    }

    /// <inheritdoc />
    public ValueTask<bool> DemonitorAsync(MonitorRef monitor) => CallAsync<bool>(new DemonitorRequest(monitor));

    // ----------------------------------------------------------------------------------------------------------------
    // Broadcast
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public int Broadcast(string group, object message)
    {
        CheckGroup(group);
        ArgumentNullException.ThrowIfNull(message);
        var view = _view[group];
        if (view.IsEmpty)
        {
            return 0;
        }
        var targets = view.TargetsFor(Node.Node);
        var frames = RemoteFrames(targets, group, message); // Serialized first: if it cannot travel, nothing is sent.
        foreach (var pid in targets.Local)
        {
            Node.Send(pid, message);
        }
        if (frames is not null)
        {
            var distribution = Node.Distribution!;
            for (var i = 0; i < frames.Length; i++)
            {
                distribution.Get(targets.RemoteNodes[i]).Send(frames[i]);
            }
        }
        return targets.Count;
    }

    /// <summary>One frame per other node with members, serialized once and copied.</summary>
    private FrameBuilder[]? RemoteFrames(BroadcastTargets targets, string group, object message)
    {
        if (targets.RemoteNodes.Length == 0 || Node.Distribution is not NodeDistribution distribution)
        {
            return null;
        }
        var frames = new FrameBuilder[targets.RemoteNodes.Length];
        frames[0] = GroupBroadcastFrame.Write(distribution.Serializer, Name, group, message);
        var limit = distribution.Transport.Options.MaxFrameSize;
        if (frames[0].PayloadLength + 1 > limit)
        {
            var size = frames[0].PayloadLength;
            frames[0].Release();
            throw new MessageSerializationException(message.GetType(),
                $"written it takes {size} bytes, more than the {limit} a frame between nodes carries ({Hosting.ProcessGridOptions.SectionName}:Cluster:Transport:MaxFrameSize).");
        }
        for (var i = 1; i < frames.Length; i++)
        {
            frames[i] = GroupBroadcastFrame.Copy(frames[0]);
        }
        return frames;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Checks and calls
    // ----------------------------------------------------------------------------------------------------------------

    private async ValueTask<T> CallAsync<T>(object request)
    {
        var process = _process ?? throw NotRunning(null);
        try
        {
            // No timeout, as in pg: the scope is a kernel process of this node, and its exit fails the call at once.
            return await Node.Call<T>(process, request, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }
        catch (CallException e) when (e.Reason.Kind == ExitReasonKind.Exception && e.Reason.ExceptionType == typeof(ArgumentException).FullName)
        {
            throw new ArgumentException(e.Reason.Detail, e);
        }
        catch (CallException e)
        {
            throw NotRunning(e);
        }
    }

    private InvalidOperationException NotRunning(CallException? failure) => new(
        $"The process-group scope '{Name}' is not running on {Node.Node}" +
        (failure is null ? "" : $" (its process ended: {failure.Reason})") +
        ": the node is stopping, or the scope's process failed; see the node's log.", failure);

    private static void CheckGroup(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Length == 0)
        {
            throw new ArgumentException("A group name cannot be empty.", nameof(group));
        }
    }

    /// <summary>Refuses a pid that is not a process of this node's run, saying why and what to do instead.</summary>
    /// <param name="pid">The pid.</param>
    /// <param name="what">What it was to do, to complete "Cannot ...": "join a group", "subscribe".</param>
    private void CheckLocal(Pid pid, string what)
    {
        ArgumentNullException.ThrowIfNull(pid);
        if (IsLocal(pid))
        {
            return;
        }
        var why = pid.IsVirtual
            ? $"{pid} is a virtual process, which has no node of its own; only spawned processes take part in groups"
            : pid.Node == Node.Node
                ? $"{pid} belongs to an earlier run of {Node.Node} (creation {pid.Creation}; the node now runs as {Node.Creation})"
                : $"{pid} runs on {pid.Node}, and a process takes part only through its own node's scope (as in pg): do this on {pid.Node}";
        throw new ArgumentException($"Cannot {what} in process-group scope '{Name}' of {Node.Node}: {why}.", nameof(pid));
    }

    private Pid[] CheckLocal(IEnumerable<Pid> pids, string what)
    {
        ArgumentNullException.ThrowIfNull(pids);
        var all = pids.ToArray();
        foreach (var pid in all)
        {
            CheckLocal(pid, what);
        }
        return all;
    }
}

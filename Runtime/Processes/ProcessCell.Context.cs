using System.Diagnostics.CodeAnalysis;

namespace ProcessGrid.Runtime.Processes;

/// <summary>The <see cref="IProcessContext"/> operations a process performs on its own behalf.</summary>
internal abstract partial class ProcessCell
{
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
    public ValueTask<TReply> Call<TReply>(string name, NodeName node, object request, TimeSpan? timeout = null)
    {
        ThrowIfExited();
        return _node.CallNamed<TReply>(name, node, request, timeout, Self);
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
    public ValueTask<Pid> SpawnLinkAsync<TProcess>(NodeName node, params object[] args) where TProcess : ProcessBehavior
    {
        ThrowIfExited();
        return _node.SpawnOnAsync(node, typeof(TProcess), args, this, link: true, monitor: null);
    }

    /// <inheritdoc />
    public async ValueTask<(Pid Pid, MonitorRef Monitor)> SpawnMonitorAsync<TProcess>(NodeName node, params object[] args) where TProcess : ProcessBehavior
    {
        ThrowIfExited();
        var monitorRef = _node.NewMonitorRef();
        var pid = await _node.SpawnOnAsync(node, typeof(TProcess), args, this, link: false, monitor: monitorRef).ConfigureAwait(false);
        return (pid, monitorRef);
    }

    /// <inheritdoc />
    public void MonitorNodes(bool enable = true) => _node.MonitorNodes(Self, enable);

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
}

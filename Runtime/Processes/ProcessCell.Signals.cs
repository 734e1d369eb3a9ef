using ProcessGrid.Runtime.Messaging;

namespace ProcessGrid.Runtime.Processes;

/// <summary>Signals other processes apply to this one: exit signals, the far side of links and monitors, names.</summary>
internal abstract partial class ProcessCell
{
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

    /// <summary>How many watches this process carries (monitors, calls waiting on it, services watching it): for tests of leaks.</summary>
    internal int WatcherCount
    {
        get
        {
            lock (this)
            {
                return _watchers?.Count ?? 0;
            }
        }
    }

    /// <summary>A completed call forgets the watch it had on this process (its callee).</summary>
    void ICallWatch.ReleaseCall(long key) => RemoveWatcher(key);

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
}

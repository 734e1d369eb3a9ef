using System.Diagnostics;
using ProcessGrid.Runtime.Distribution;

namespace ProcessGrid.Runtime.Processes;

/// <summary>Snapshots for <c>process_info</c>.</summary>
internal abstract partial class ProcessCell
{
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
            // Watchers are processes of this node (pids), processes of other nodes (remote monitors), or a call or
            // WhenExited waiting on this process, which are not processes and are left out.
            monitoredBy = _watchers?.Values.Select(static w => w switch
            {
                Pid pid => pid,
                RemoteWatcher remote => remote.Watcher,
                _ => null,
            }).OfType<Pid>().ToArray() ?? [];
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
            DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(_startedAtTimestamp));
    }
}

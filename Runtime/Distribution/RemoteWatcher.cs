using ProcessGrid.Runtime.Processes;

namespace ProcessGrid.Runtime.Distribution;

/// <summary>
/// A monitor that a process on another node holds on a local process: registered on the local process under a key of
/// this node, it sends the watcher a <see cref="Down"/> with the watcher's own reference when the process exits.
/// </summary>
/// <remarks>Monitor references are unique only on the node that made them, hence the local key.</remarks>
internal sealed class RemoteWatcher(NodeDistribution distribution, RemoteNode node, Pid watcher, long remoteRef, ProcessCell target, long localKey) : IExitWatcher
{
    /// <summary>The monitoring process, on the other node.</summary>
    public Pid Watcher => watcher;

    /// <summary>The watcher's reference for the monitor.</summary>
    public long RemoteRef => remoteRef;

    /// <summary>The monitored local process.</summary>
    public ProcessCell Target => target;

    /// <summary>The key the monitor is registered under on the target.</summary>
    public long LocalKey => localKey;

    /// <inheritdoc />
    public void OnWatchedExit(ExitReason reason)
    {
        node.Watchers.TryRemove(remoteRef, out _);
        distribution.SendDown(node, watcher, remoteRef, target.Self, reason);
    }
}

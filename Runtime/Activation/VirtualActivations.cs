using System.Collections.Concurrent;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Processes;

namespace ProcessGrid.Runtime.Activation;

/// <summary>
/// The active virtual processes of this node (Orleans' catalog): at most one activation per pid, created by the first
/// message, removed when it exits or is deactivated for idleness.
/// </summary>
/// <remarks>
/// Finding a live activation takes no lock. Creating one is serialized by one lock, re-checked inside it, so that racing
/// first senders share the winner's activation and the process class is built exactly once per activation (its
/// constructor may have effects: services it resolves, counters, resources). A message that races a deactivation lands in the old activation's mailbox and is forwarded to the next activation when the old one
/// drains (see <see cref="ProcessCell"/>), so nothing is lost across deactivation.
/// </remarks>
internal sealed partial class VirtualActivations : IDisposable
{
    private readonly ProcessNode _node;
    private readonly ConcurrentDictionary<Pid, ServerProcessCell> _active = new();
    private readonly Lock _activationGate = new();
    private readonly TimeSpan _defaultIdleTimeout;
    private readonly Timer _collector;

    public VirtualActivations(ProcessNode node, TimeSpan defaultIdleTimeout, TimeSpan collectionQuantum)
    {
        _node = node;
        _defaultIdleTimeout = defaultIdleTimeout;
        _collector = new Timer(static state => ((VirtualActivations)state!).CollectIdle(), this, collectionQuantum, collectionQuantum);
    }

    /// <summary>The kinds this node can activate.</summary>
    public VirtualKinds Kinds { get; } = new();

    /// <summary>How many activations are alive.</summary>
    public int Count => _active.Count;

    /// <summary>A snapshot of the activations.</summary>
    public IEnumerable<ServerProcessCell> All => _active.Values;

    /// <summary>The live activation of <paramref name="pid"/>, or null.</summary>
    public ServerProcessCell? Find(Pid pid) => _active.TryGetValue(pid, out var cell) && cell.IsAlive ? cell : null;

    /// <summary>The live activation of <paramref name="pid"/>, activating it if needed.</summary>
    /// <exception cref="InvalidOperationException">This node does not know the kind.</exception>
    /// <exception cref="Exception">Whatever the class's constructor (or the services it asks for) threw.</exception>
    public ServerProcessCell GetOrActivate(Pid pid)
    {
        if (_active.TryGetValue(pid, out var existing) && existing.IsAlive)
        {
            return existing;
        }
        lock (_activationGate)
        {
            if (_active.TryGetValue(pid, out existing))
            {
                if (existing.IsAlive)
                {
                    return existing; // Another sender activated it while this one waited.
                }
                _active.TryRemove(new KeyValuePair<Pid, ServerProcessCell>(pid, existing));
            }
            var kind = Kinds.Find(pid.Kind!) ?? throw new InvalidOperationException(
                $"This node does not know the virtual process kind '{pid.Kind}' of {pid}: register its class at start " +
                "(ProcessGridOptions.VirtualProcesses) or use grid.Virtual<T>(key) on this node first.");
            var cell = _node.CreateVirtualCell(kind, pid);
            _active[pid] = cell; // New entries are only added here, under the lock.
            cell.Start();
            return cell;
        }
    }

    /// <summary>Delivers to the activation of a virtual pid, activating it if needed.</summary>
    public void Deliver(Pid pid, Envelope envelope)
    {
        ServerProcessCell cell;
        try
        {
            cell = GetOrActivate(pid);
        }
        catch (Exception e)
        {
            // Unknown kind, or the class could not be built (its constructor runs here and may throw anything): the
            // sender must not get the exception, so the message is a dead letter and a call fails with it.
            _node.Router.Undeliverable(pid, envelope, $"cannot activate: {e.Message}", ExitReason.FromException(e));
            return;
        }
        pid.Cell = cell;
        cell.Post(envelope);
    }

    /// <summary>Forgets an activation that exited.</summary>
    public void OnExited(ServerProcessCell cell) => _active.TryRemove(new KeyValuePair<Pid, ServerProcessCell>(cell.Self, cell));

    private void CollectIdle()
    {
        var now = Environment.TickCount64;
        foreach (var cell in _active.Values)
        {
            var timeout = Kinds.Find(cell.Self.Kind!)?.IdleTimeout ?? _defaultIdleTimeout;
            if (now - cell.LastActiveTick >= (long)timeout.TotalMilliseconds && cell.TryDeactivate(ExitReason.ShutdownWith("idle")))
            {
                LogDeactivated(_node.Logger, cell.Self, timeout);
            }
        }
    }

    /// <summary>Asks every activation to stop after the messages it has queued, with <paramref name="reason"/>.</summary>
    public IReadOnlyList<Task<ExitReason>> StopAll(ExitReason reason)
    {
        var exits = new List<Task<ExitReason>>();
        foreach (var cell in _active.Values)
        {
            exits.Add(_node.WhenExited(cell));
            cell.Post(new Envelope(EnvelopeKind.Stop, reason));
        }
        return exits;
    }

    /// <inheritdoc />
    public void Dispose() => _collector.Dispose();

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Deactivated {Pid} after {IdleTimeout} idle")]
    private static partial void LogDeactivated(ILogger logger, Pid pid, TimeSpan idleTimeout);
}

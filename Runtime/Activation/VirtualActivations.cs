using System.Collections.Concurrent;
using ProcessGrid.Runtime.Messaging;

namespace ProcessGrid.Runtime.Activation;

/// <summary>
/// The virtual processes active on this node (Orleans' catalog): at most one activation per pid, created by the
/// first message and replaced or removed only by its own owner when it ends (see <see cref="ActivationCell"/>).
/// </summary>
/// <remarks>
/// <para>Finding the activation takes no lock. Creating one is serialized by one lock, re-checked inside it, so that
/// racing first senders share the winner's activation and the class is built exactly once per activation (its
/// constructor may have effects: services it resolves, counters, resources).</para>
/// <para>Delivery order: a sender's messages go to whichever activation is registered; an activation that ends passes
/// its whole queue to its successor before the successor becomes visible, so no message of a sender overtakes an
/// earlier one across deactivations, crashes and restarts.</para>
/// </remarks>
internal sealed partial class VirtualActivations : IDisposable
{
    private readonly ProcessNode _node;
    private readonly ConcurrentDictionary<Pid, ActivationCell> _active = new();
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

    /// <summary>How many activations are registered.</summary>
    public int Count => _active.Count;

    /// <summary>A snapshot of the live activations.</summary>
    public IEnumerable<ActivationCell> All => _active.Values.Where(cell => cell.IsAlive);

    /// <summary>The live activation of <paramref name="pid"/>, or null.</summary>
    public ActivationCell? Find(Pid pid) => _active.TryGetValue(pid, out var cell) && cell.IsAlive ? cell : null;

    /// <summary>The registered activation of <paramref name="pid"/> (which may be ending), activating it if there is none.</summary>
    /// <exception cref="InvalidOperationException">This node does not know the kind.</exception>
    /// <exception cref="Exception">Whatever the class's constructor (or the services it asks for) threw.</exception>
    public ActivationCell GetOrActivate(Pid pid)
    {
        if (_active.TryGetValue(pid, out var existing))
        {
            return existing;
        }
        lock (_activationGate)
        {
            if (_active.TryGetValue(pid, out existing))
            {
                return existing; // Another sender activated it while this one waited.
            }
            var kind = Kinds.Find(pid.Kind!) ?? throw new InvalidOperationException($"{pid} cannot be activated: {Kinds.ExplainUnknown(pid.Kind!)}.");
            var cell = _node.CreateActivation(kind, pid);
            _active[pid] = cell; // New keys are only added here, under the lock; an owner replaces or removes its own entry.
            cell.Start();
            return cell;
        }
    }

    /// <summary>Delivers to the activation of a virtual pid, activating it here if needed. Never blocks on a lock.</summary>
    public void Deliver(Pid pid, Envelope envelope)
    {
        while (!TryDeliverToExisting(pid, envelope))
        {
            try
            {
                GetOrActivate(pid);
            }
            catch (Exception e)
            {
                // Unknown kind, or the class could not be built (its constructor runs here and may throw anything):
                // the sender must not get the exception, so the message is a dead letter and a call fails with it.
                _node.Router.Undeliverable(pid, envelope, $"cannot activate: {e.Message}", ExitReason.FromException(e));
                return;
            }
        }
    }

    /// <summary>
    /// Delivers to the activation of <paramref name="pid"/> registered here, if there is one (even one that is ending:
    /// it hands its queue on in order). False when none is registered.
    /// </summary>
    public bool TryDeliverToExisting(Pid pid, Envelope envelope)
    {
        var spin = new SpinWait();
        while (true)
        {
            // The cached cell counts only if it is this node's: several nodes in one OS process share pid objects.
            var cell = pid.Cell is ActivationCell cached && ReferenceEquals(cached.Grid, _node)
                ? cached
                : _active.TryGetValue(pid, out var registered) ? registered : null;
            if (cell is null)
            {
                return false;
            }
            if (cell.TryPost(envelope))
            {
                pid.Cell = cell;
                return true;
            }
            // Sealed: its owner is handing the backlog on and is about to replace or remove the entry.
            pid.Cell = null;
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Publishes <paramref name="successor"/> in the place of <paramref name="ended"/> and starts it (the ended activation's owner only).</summary>
    public void Replace(ActivationCell ended, ActivationCell successor)
    {
        if (!_active.TryUpdate(ended.Self, successor, ended))
        {
            throw new InvalidOperationException($"The activation of {ended.Self} being replaced is not the registered one.");
        }
        successor.Start();
    }

    /// <summary>Removes an ended activation (its owner only, once nothing can be queued for it any more).</summary>
    public void Remove(ActivationCell ended) => _active.TryRemove(new KeyValuePair<Pid, ActivationCell>(ended.Self, ended));

    private void CollectIdle()
    {
        var now = Environment.TickCount64;
        foreach (var cell in _active.Values)
        {
            var timeout = cell.Kind.IdleTimeout ?? _defaultIdleTimeout;
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
            cell.TryPost(new Envelope(EnvelopeKind.Stop, reason));
        }
        return exits;
    }

    /// <inheritdoc />
    public void Dispose() => _collector.Dispose();

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Deactivated {Pid} after {IdleTimeout} idle")]
    private static partial void LogDeactivated(ILogger logger, Pid pid, TimeSpan idleTimeout);
}

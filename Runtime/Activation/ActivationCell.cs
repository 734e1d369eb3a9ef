using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Persistence;
using ProcessGrid.Runtime.Processes;

namespace ProcessGrid.Runtime.Activation;

/// <summary>
/// One activation of a virtual process (Orleans' activation): a <see cref="GenServer"/> cell registered under its
/// pid in <see cref="VirtualActivations"/>, which hands what it leaves unhandled to its next activation without ever
/// letting one sender's messages overtake each other.
/// </summary>
/// <remarks>
/// <para><b>The hand-off.</b> An activation stays registered after it exits (crash, kill, idle deactivation), and
/// senders keep queueing into its mailbox, until its owner has settled the backlog:</para>
/// <list type="number">
/// <item>It <b>seals</b> the activation: from then on a post is refused and the sender looks the key up again. Posts
/// already past the seal check are waited for (they are a few instructions long), so afterwards the queue is final.</item>
/// <item>With nothing queued it removes itself from the table; the next message activates afresh.</item>
/// <item>With a backlog it builds the next activation, moves the whole queue into it (one move of the queue's two
/// ends, which keeps every sender's order), publishes it in its own place in the table, and starts it.</item>
/// </list>
/// <para>A sender that meets a sealed activation still in the table spins until the owner has published the successor
/// or removed the entry: the window is the few steps above. A backlog passes on only from an activation that had
/// initialized: one whose initialization failed fails its calls and dead-letters its messages, so a class that cannot
/// start does not loop from activation to activation.</para>
/// <para><b>Persistent state.</b> An activation loads its states before the process's <c>InitAsync</c>: if a load
/// fails, the activation fails to start like any failed initialization, and the messages that activated it fail with
/// that reason.</para>
/// </remarks>
internal sealed class ActivationCell : ServerProcessCell
{
    private readonly VirtualKind _kind;
    private readonly IActivationState[] _states;
    private int _posting;
    private int _sealed;

    public ActivationCell(ProcessNode node, Pid self, VirtualKind kind, GenServer server, IActivationState[] states)
        : base(node, self, node.SystemPid, server)
    {
        _kind = kind;
        _states = states;
        Owner = node.Placement.OwnerOf(self);
    }

    /// <summary>The kind this is an activation of.</summary>
    internal VirtualKind Kind => _kind;

    /// <summary>The key's owner in the membership view when this activation was created; if it changes, the key moves.</summary>
    internal NodeName Owner { get; }

    /// <summary>
    /// Ends this activation because its key now lives elsewhere: after the messages already queued, it terminates and
    /// hands whatever arrives meanwhile on to the key's new place.
    /// </summary>
    internal void Move() => TryPost(new Envelope(EnvelopeKind.Stop, ProcessGrid.ExitReason.ShutdownWith("moved")));

    /// <summary>Queues an envelope unless the activation is sealed; false tells the sender to look the key up again.</summary>
    internal bool TryPost(Envelope envelope)
    {
        Interlocked.Increment(ref _posting);
        try
        {
            if (Volatile.Read(ref _sealed) != 0)
            {
                return false;
            }
            Enqueue(envelope);
            return true;
        }
        finally
        {
            Interlocked.Decrement(ref _posting);
        }
    }

    /// <summary>
    /// Deactivates an idle activation: if nobody owns the mailbox, nothing is queued, no deferred call awaits an
    /// answer and nobody links to or monitors it, takes ownership and terminates with <paramref name="reason"/>.
    /// </summary>
    internal bool TryDeactivate(ExitReason reason)
    {
        if (!TryAcquireIdle())
        {
            return false;
        }
        if (!IsAlive || !Started || HasQueuedMessages || HasDeferredCalls || IsWatched)
        {
            if (TryRelease())
            {
                Loop();
            }
            return false;
        }
        _ = TerminateAndExitAsync(reason, null);
        return true;
    }

    /// <inheritdoc />
    private protected override ValueTask InitializeAsync() => _states.Length == 0 ? base.InitializeAsync() : LoadStatesThenInitializeAsync();

    private async ValueTask LoadStatesThenInitializeAsync()
    {
        foreach (var state in _states)
        {
            await state.LoadAsync(CancellationToken.None).ConfigureAwait(false);
        }
        await base.InitializeAsync().ConfigureAwait(false);
    }

    /// <summary>Seals the activation and hands its backlog on (ownership held; the process has exited).</summary>
    private protected override void FinishExit()
    {
        FailDeferredCalls(ExitReason!);
        Interlocked.Exchange(ref _sealed, 1);
        var spin = new SpinWait();
        while (Volatile.Read(ref _posting) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        // The queue is final now. The cell stays owned for good: nothing is posted to it any more.
        if (!HasQueuedMessages)
        {
            _node.Activations.Remove(this);
            return;
        }
        if (!Initialized || _node.IsStopping)
        {
            DrainAfterExit();
            _node.Activations.Remove(this);
            return;
        }
        if (_node.Distribution is { } distribution && _node.Placement.RouteFor(Self, _node.Node) is var route && route != _node.Node)
        {
            // The key lives elsewhere now: hand the backlog there, in order, over the one connection to that node, and
            // only then leave the table, so that later local sends (which spin on the seal meanwhile) follow it.
            while (TryTakeQueued(out var envelope))
            {
                envelope.Hops++;
                distribution.DeliverTo(route, Self, envelope);
            }
            _node.Activations.Remove(this);
            return;
        }
        ActivationCell successor;
        try
        {
            successor = _node.CreateActivation(_kind, Self);
        }
        catch (Exception e)
        {
            // The class cannot be built any more (its constructor or a service it needs throws): settle the backlog here.
            _node.Activations.Remove(this);
            var failure = ProcessGrid.ExitReason.FromException(e);
            while (TryTakeQueued(out var envelope))
            {
                _node.Router.Undeliverable(Self, envelope, $"cannot activate: {e.Message}", failure);
            }
            return;
        }
        successor.AdoptQueuesOf(this);
        _node.Activations.Replace(this, successor);
    }
}

using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using ProcessGrid.Runtime.Messaging;

namespace ProcessGrid.Runtime.Processes;

/// <summary>
/// One process: its mailbox, who may consume it, its links and monitors, and how it exits. The two ways of writing
/// a process (<see cref="FunctionProcessCell"/>: code that receives; <see cref="ServerProcessCell"/>: callbacks)
/// build on this. The cell is also the process's <see cref="IProcessContext"/>, so a process is one object.
/// </summary>
/// <remarks>
/// <para><b>Consumer ownership.</b> At any moment at most one party consumes the mailbox: the state word says who.
/// <see cref="Idle"/>: nobody; a sender that finds the cell idle moves it to <see cref="Scheduled"/> and queues it on
/// the thread pool. <see cref="Running"/>: a runner, or the process's own code, owns the mailbox. An owner that runs
/// out of work releases with <see cref="TryRelease"/>, which re-checks for work after publishing <see cref="Idle"/>
/// so that a message racing the release is never stranded. Sending is therefore an enqueue plus a read of the state
/// word when the receiver is busy, and one compare-and-swap plus a thread-pool queue when it is idle.</para>
/// <para><b>Signals.</b> Exit signals, link and monitor changes are applied at once by the thread that sends them,
/// under the cell's lock, not queued behind messages. Messages and the <see cref="Down"/>/<see cref="ProcessGrid.Exit"/>
/// messages a signal produces go through the mailbox, so a message sent before a process exited still arrives
/// before that process's <see cref="Down"/>.</para>
/// <para><b>Exit.</b> <see cref="Die"/> marks the cell dead under the lock, then signals links and monitors outside it.
/// Whoever next owns the mailbox of a dead cell drains it: calls fail with the exit reason, other messages become dead
/// letters (a virtual process forwards them to its next activation instead).</para>
/// </remarks>
internal abstract partial class ProcessCell : IThreadPoolWorkItem, IProcessContext, ICallWatch
{
    private protected const int Idle = 0;
    private protected const int Scheduled = 1;
    private protected const int Running = 2;

    private protected readonly ProcessNode _node;
    private MpscQueue _mailbox = new();
    private int _state = Scheduled;
    private volatile ExitReason? _exitReason;
    private protected SaveQueue _saved;

    // The fields below are guarded by the cell's lock: signals from other threads change them.
    private bool _trapExit;
    private List<Pid>? _links;
    private Dictionary<long, Pid>? _monitors;
    private Dictionary<long, object>? _watchers;
    private CancellationTokenSource? _aborted;
    private string? _registeredName;

    private long _messagesHandled;
    private readonly long _startedAtTimestamp;
    private long _lastActiveTick;

    protected ProcessCell(ProcessNode node, Pid self, Pid? parent)
    {
        _node = node;
        Self = self;
        Parent = parent;
        self.Cell = this;
        self.Host = node;
        _startedAtTimestamp = Stopwatch.GetTimestamp();
        _lastActiveTick = Environment.TickCount64;
    }

    /// <inheritdoc />
    public Pid Self { get; }

    /// <inheritdoc />
    public Pid? Parent { get; }

    /// <inheritdoc />
    public IProcessGrid Grid => _node;

    /// <summary>The exit reason once the process has exited; null while it is alive.</summary>
    internal ExitReason? ExitReason => _exitReason;

    /// <summary>True until the process exits.</summary>
    internal bool IsAlive => _exitReason is null;

    /// <summary>When the process last ran (<see cref="Environment.TickCount64"/>), for idle deactivation.</summary>
    internal long LastActiveTick => Volatile.Read(ref _lastActiveTick);

    /// <summary>What runs in the process, for introspection.</summary>
    internal abstract string TypeName { get; }

    /// <summary>The node-local name the process is registered under, if any.</summary>
    internal string? RegisteredName
    {
        get
        {
            lock (this)
            {
                return _registeredName;
            }
        }
    }
}

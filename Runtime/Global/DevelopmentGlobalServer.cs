using System.Buffers;
using System.Collections.Concurrent;
using ProcessGrid.Runtime.Transport;
using static ProcessGrid.Runtime.Global.DevelopmentGlobalProtocol;

namespace ProcessGrid.Runtime.Global;

/// <summary>
/// The seed's side of the development cluster's global table: it keeps the table in memory, fenced by the membership
/// table it keeps beside it (<see cref="InMemoryGlobalTable"/>), does what the other nodes ask over their connections,
/// and streams its changes to the nodes that subscribed (like the development membership table, and Orleans'
/// development clustering, where one silo hosts what a database would). The seed is a single point of failure for
/// global names: while it is down nothing can be claimed or released; use PostgreSQL for anything but development.
/// </summary>
/// <remarks>
/// <para>Each request is done on the reader of its connection, at once, so a node's requests take effect in the order it
/// sent them, and the changes they cause go out to every subscriber before the requester gets its answer: a node reads
/// its own writes, and hears its changes in commit order like everyone else.</para>
/// <para>A node may claim only for its own processes (the pid names the requesting node and creation), and only nodes
/// (not clients) may use the table: anything else is answered with an error, and nothing changes.</para>
/// <para>A node has at most one subscription: a new one (after its connection was lost and found again) replaces the
/// old. A subscription ends when its connection closes.</para>
/// </remarks>
internal sealed partial class DevelopmentGlobalServer(ProcessNode node, InMemoryGlobalTable table, int maxFrameSize, ILogger logger)
{
    /// <summary>The largest snapshot part this server writes, whatever the frame limit (small parts keep the connection responsive).</summary>
    private const int MaxSnapshotPart = 64 * 1024;

    /// <summary>The largest frame a connection carries (ProcessGrid:Cluster:Transport:MaxFrameSize): snapshot parts stay well below it.</summary>
    private readonly int _maxFrameSize = maxFrameSize;

    /// <summary>The live subscription of each node.</summary>
    private readonly ConcurrentDictionary<NodeName, Subscriber> _subscribers = new();

    /// <summary>Does one request (on its connection's reader) and answers it.</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed: the connection is closed.</exception>
    public void OnRequest(PeerConnection connection, ReadOnlySequence<byte> payload)
    {
        var request = ReadRequest(payload, node);
        FrameBuilder answer;
        if (connection.Remote.Role != PeerRole.Node)
        {
            answer = Failed(request.Correlation, $"{connection.Remote.Name} is a client: only member nodes use the global table (a client's processes use global names through grid.Global on a node).");
        }
        else if (request.Op is Operation.Claim or Operation.Replace && !IsOf(request.Pid!, connection.Remote))
        {
            answer = Failed(request.Correlation, $"{connection.Remote.Name} (creation {connection.Remote.Creation}) asked to claim for {request.Pid}, which is not one of its processes: a node claims only for its own processes. Nothing was changed.");
        }
        else
        {
            answer = request.Op switch
            {
                Operation.Subscribe => Subscribe(connection, request.Correlation),
                Operation.Claim => Done(request.Correlation, table.Claim(request.Kind, request.Name, request.Pid!, request.Resolve)),
                Operation.Replace => Done(request.Correlation, table.Replace(request.Kind, request.Name, request.ExpectedSeq!.Value, request.Pid!, request.Resolve) is { } seq
                    ? new GlobalClaimOutcome(GlobalClaimStatus.Granted, null, seq, null)
                    : new GlobalClaimOutcome(GlobalClaimStatus.Taken, null, 0, null)),
                Operation.Release => Done(request.Correlation, new GlobalClaimOutcome(
                    table.Release(request.Kind, request.Name, request.Pid, request.ExpectedSeq) ? GlobalClaimStatus.Granted : GlobalClaimStatus.Taken, null, 0, null)),
                Operation.ReleaseNode => ReleaseNode(request),
                _ => Failed(request.Correlation, $"{node.Node} does not know global table operation {(byte)request.Op}: do the nodes of this cluster run different versions?"),
            };
        }
        Send(connection, answer, request.Op);
    }

    /// <summary>Answers a request that reached a node which does not keep the global table.</summary>
    public static void Refuse(PeerConnection connection, ReadOnlySequence<byte> payload, string why)
    {
        var answer = Failed(ReadCorrelation(payload), why);
        if (!connection.Send(answer))
        {
            answer.Release();
        }
    }

    private FrameBuilder ReleaseNode(Request request)
    {
        table.ReleaseNode(request.Node, request.Creation);
        return Done(request.Correlation, new GlobalClaimOutcome(GlobalClaimStatus.Granted, null, 0, null));
    }

    private FrameBuilder Subscribe(PeerConnection connection, long subscription)
    {
        var subscriber = new Subscriber(this, connection, subscription);
        if (_subscribers.TryGetValue(connection.Remote.Name, out var previous))
        {
            End(previous);
        }
        _subscribers[connection.Remote.Name] = subscriber;
        // The snapshot goes out inside Watch, under the table's lock, so the changes after it follow on from it.
        table.Watch(subscriber);
        _ = connection.Closed.ContinueWith(static (_, state) => ((Subscriber)state!).End(), subscriber, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        LogSubscribed(logger, connection.Remote.Name, subscription);
        return Done(subscription, new GlobalClaimOutcome(GlobalClaimStatus.Granted, null, 0, null));
    }

    private void End(Subscriber subscriber)
    {
        table.Unwatch(subscriber);
        _subscribers.TryRemove(new KeyValuePair<NodeName, Subscriber>(subscriber.Connection.Remote.Name, subscriber));
    }

    private void Send(PeerConnection connection, FrameBuilder answer, Operation op)
    {
        if (!connection.Send(answer))
        {
            answer.Release();
            LogAnswerLost(logger, connection.Remote.Name, op);
        }
    }

    private static bool IsOf(Pid pid, NodeIdentity requester) => !pid.IsVirtual && pid.Node == requester.Name && pid.Creation == requester.Creation;

    /// <summary>One node's subscription: writes the snapshot and the changes to its connection.</summary>
    private sealed class Subscriber(DevelopmentGlobalServer server, PeerConnection connection, long subscription) : IGlobalTableObserver
    {
        public PeerConnection Connection => connection;

        /// <summary>Stops the subscription (its connection closed).</summary>
        public void End() => server.End(this);

        /// <inheritdoc />
        public void OnSnapshot(IReadOnlyList<GlobalChange> claims)
        {
            var limit = Math.Min(MaxSnapshotPart, server._maxFrameSize / 4);
            var start = 0;
            while (true)
            {
                // Cut the parts before writing them: each part says whether it is the last one before its entries.
                var end = start;
                for (var size = 0; end < claims.Count && (end == start || size + SnapshotEntrySize(claims[end]) <= limit); end++)
                {
                    size += SnapshotEntrySize(claims[end]);
                }
                var last = end == claims.Count;
                var part = SnapshotPart(subscription, last);
                for (var i = start; i < end; i++)
                {
                    WriteSnapshotEntry(part, claims[i]);
                }
                if (!Deliver(part) || last)
                {
                    return;
                }
                start = end;
            }
        }

        /// <inheritdoc />
        public void OnChange(in GlobalChange change) => Deliver(Change(subscription, change));

        private bool Deliver(FrameBuilder frame)
        {
            if (connection.Send(frame))
            {
                return true;
            }
            frame.Release();
            return false; // Closed: the subscription ends with it (the node subscribes again when it reconnects).
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Node} subscribed to the global table (subscription {Subscription})")]
    private static partial void LogSubscribed(ILogger logger, NodeName node, long subscription);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not answer {Node}'s global table {Operation}: its connection closed")]
    private static partial void LogAnswerLost(ILogger logger, NodeName node, Operation operation);
}

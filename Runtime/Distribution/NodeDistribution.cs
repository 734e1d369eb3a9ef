using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Processes;
using ProcessGrid.Runtime.Serialization;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Distribution;

/// <summary>
/// The node's distribution layer (Erlang's <c>net_kernel</c> and <c>dist</c>): it makes a pid on another node behave
/// like a local one. Messages, calls, links, monitors, exit signals and spawns addressed to other nodes become frames on
/// the connection to that node; frames from other nodes become the same operations on local processes.
/// </summary>
/// <remarks>
/// <para><b>Order.</b> All traffic to one node goes through one connection, built into frames on the sender's thread
/// and handled on the receiver's reader loop in arrival order, so one process's messages to another arrive in send
/// order across nodes, and a message sent before a process exits arrives before the <see cref="Down"/> it causes.</para>
/// <para><b>Failure.</b> When a connection is lost, the session with that node ends (see <see cref="RemoteNode"/>):
/// pending calls fail at once with <c>{nodedown, Node}</c>, links and monitors fire with <c>noconnection</c>,
/// messages not yet sent become dead letters, and node monitors get <see cref="NodeDown"/> with the reason.</para>
/// <para><b>Trust.</b> Only peers that proved the cluster cookie get here. A frame that does not parse closes its
/// connection; a message of a type this node cannot load becomes a dead letter (a call fails with that reason).</para>
/// </remarks>
internal sealed partial class NodeDistribution : ITransportHandler, IAsyncDisposable
{
    private readonly ProcessNode _node;
    private readonly ConcurrentDictionary<NodeName, RemoteNode> _nodes = new();
    private readonly ConcurrentDictionary<Pid, byte> _nodeMonitors = new();
    private readonly ConcurrentDictionary<NodeName, NodeDownReason> _closeReasons = new();
    private long _nextCorrelation;

    public NodeDistribution(ProcessNode node, NodeIdentity self, string clusterId, byte[] cookie, TransportOptions options, ILoggerFactory loggerFactory)
    {
        _node = node;
        Transport = new ClusterTransport(self, clusterId, cookie, options, this, loggerFactory);
        Serializer = new MessageSerializer(node);
    }

    /// <summary>The connections.</summary>
    public ClusterTransport Transport { get; }

    /// <summary>How messages are turned into bytes.</summary>
    public MessageSerializer Serializer { get; }

    /// <summary>Membership, once it runs.</summary>
    public IMembershipView? Membership { get; set; }

    private ILogger Logger => _node.Logger;

    /// <summary>The nodes connected now (Erlang's <c>nodes()</c>).</summary>
    public IReadOnlyList<NodeName> ConnectedNodes =>
        [.. _nodes.Values.Where(n => n.Connection is { Remote.Role: PeerRole.Node }).Select(n => n.Name).OrderBy(n => n.Value, StringComparer.Ordinal)];

    /// <summary>The record of <paramref name="node"/>, created on first use.</summary>
    public RemoteNode Get(NodeName node) => _nodes.GetOrAdd(node, static (name, self) => new RemoteNode(self, name), this);

    /// <summary>The address membership knows for <paramref name="node"/>.</summary>
    public string? EndpointOf(NodeName node) => Membership?.EndpointOf(node);

    /// <summary>
    /// True when <paramref name="node"/> may be a client that connects to this node: this node accepts connections,
    /// and membership has no row for that name (a client never has one; a member that died or left has).
    /// </summary>
    public bool MayBeClient(NodeName node) => Transport.IsListening && Membership is { } membership && !membership.IsMember(node);

    // ------------------------------------------------------------------------------------------------------------
    // Outgoing: what local processes do to processes on other nodes
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Sends a message, cast or call to a pid of another node.</summary>
    /// <exception cref="MessageSerializationException">The message cannot cross nodes (nothing was sent; a call is not registered).</exception>
    public void Deliver(Pid to, Envelope envelope) => DeliverTo(to.Node, to, envelope);

    /// <summary>Sends a message, cast or call for <paramref name="to"/> to <paramref name="node"/> (for a virtual pid, the node placement names).</summary>
    /// <exception cref="MessageSerializationException">The message cannot cross nodes (nothing was sent; a call is not registered).</exception>
    public void DeliverTo(NodeName node, Pid to, Envelope envelope)
    {
        var remote = Get(node);
        FrameBuilder frame;
        switch (envelope.Kind)
        {
            case EnvelopeKind.Call:
                var correlation = Interlocked.Increment(ref _nextCorrelation);
                frame = FrameBuilder.Start(FrameKind.Call);
                WireFormat.WritePid(frame, to);
                frame.WriteByte(envelope.Hops);
                frame.WriteInt64(correlation);
                WireFormat.WritePid(frame, envelope.Caller);
                Serialize(frame, envelope.Message!);
                remote.AwaitReply(correlation, envelope.ReplyTo!, envelope.ReplyToken);
                break;
            case EnvelopeKind.Cast or EnvelopeKind.Message:
                frame = FrameBuilder.Start(envelope.Kind == EnvelopeKind.Cast ? FrameKind.Cast : FrameKind.Message);
                WireFormat.WritePid(frame, to);
                frame.WriteByte(envelope.Hops);
                Serialize(frame, envelope.Message!);
                break;
            default:
                return; // Stop requests are local only.
        }
        remote.Send(frame);
    }

    /// <summary>Sends a message to the process registered as <paramref name="name"/> on <paramref name="node"/> (<c>{Name, Node} ! Msg</c>).</summary>
    public void SendNamed(string name, NodeName node, object message)
    {
        var frame = FrameBuilder.Start(FrameKind.NamedMessage);
        frame.WriteString(name);
        Serialize(frame, message);
        Get(node).Send(frame);
    }

    /// <summary>
    /// Calls the process registered as <paramref name="name"/> on <paramref name="node"/> (<c>gen_server:call({Name, Node}, Req)</c>);
    /// the reply, or the failure (<c>noproc</c> when nobody holds the name there), comes back to <paramref name="call"/>.
    /// </summary>
    /// <exception cref="MessageSerializationException">The request cannot cross nodes (nothing was sent; the call is not registered).</exception>
    public void CallNamed(string name, NodeName node, object request, IPendingCall call, Pid? caller)
    {
        var remote = Get(node);
        var correlation = NewCorrelation();
        var frame = FrameBuilder.Start(FrameKind.NamedCall);
        frame.WriteString(name);
        frame.WriteInt64(correlation);
        WireFormat.WritePid(frame, caller);
        Serialize(frame, request);
        remote.AwaitReply(correlation, call);
        remote.Send(frame);
    }

    /// <summary>A new correlation id for a request whose answer comes back as a <see cref="FrameKind.Reply"/>.</summary>
    public long NewCorrelation() => Interlocked.Increment(ref _nextCorrelation);

    private void Serialize(FrameBuilder frame, object message)
    {
        try
        {
            WireFormat.WriteMessage(frame, Serializer, message);
        }
        catch
        {
            frame.Release();
            throw;
        }
    }

    /// <summary>Links local <paramref name="from"/> to <paramref name="to"/> on <paramref name="node"/>.</summary>
    public void Link(NodeName node, Pid from, Pid to)
    {
        var remote = Get(node);
        remote.Links[(from, to)] = 0;
        remote.Send(Signal(FrameKind.Link, from, to));
    }

    /// <summary>Removes the link between local <paramref name="from"/> and <paramref name="to"/> on <paramref name="node"/>.</summary>
    public void Unlink(NodeName node, Pid from, Pid to)
    {
        var remote = Get(node);
        remote.Links.TryRemove((from, to), out _);
        remote.Send(Signal(FrameKind.Unlink, from, to));
    }

    /// <summary>Sends an exit signal from local <paramref name="from"/> to <paramref name="to"/> on <paramref name="node"/>.</summary>
    public void SendExit(NodeName node, Pid from, Pid to, ExitReason reason, bool viaLink)
    {
        var remote = Get(node);
        if (viaLink)
        {
            remote.Links.TryRemove((from, to), out _);
        }
        var frame = Signal(FrameKind.Exit, from, to);
        frame.WriteByte(viaLink ? (byte)1 : (byte)0);
        WireFormat.WriteReason(frame, reason);
        remote.Send(frame);
    }

    /// <summary>
    /// Monitors <paramref name="target"/> on another node for <paramref name="watcher"/> (a local process, a
    /// <c>WhenExited</c> completion, or a call) under <paramref name="monitorRef"/>.
    /// </summary>
    public void Monitor(NodeName node, object watcher, Pid target, long monitorRef)
    {
        var remote = Get(node);
        remote.Monitors[monitorRef] = (watcher, target);
        var frame = FrameBuilder.Start(FrameKind.Monitor);
        WireFormat.WritePid(frame, watcher as Pid ?? _node.SystemPid);
        WireFormat.WritePid(frame, target);
        frame.WriteInt64(monitorRef);
        remote.Send(frame);
    }

    /// <summary>Removes a monitor on <paramref name="target"/> on <paramref name="node"/>.</summary>
    public void Demonitor(NodeName node, Pid target, long monitorRef)
    {
        var remote = Get(node);
        if (!remote.Monitors.TryRemove(monitorRef, out _))
        {
            return;
        }
        var frame = FrameBuilder.Start(FrameKind.Demonitor);
        WireFormat.WritePid(frame, target);
        frame.WriteInt64(monitorRef);
        remote.Send(frame);
    }

    /// <summary>Tells a process on another node that a local process it monitored exited.</summary>
    public void SendDown(RemoteNode remote, Pid watcher, long monitorRef, Pid target, ExitReason reason)
    {
        var frame = FrameBuilder.Start(FrameKind.Down);
        WireFormat.WritePid(frame, watcher);
        frame.WriteInt64(monitorRef);
        WireFormat.WritePid(frame, target);
        WireFormat.WriteReason(frame, reason);
        remote.Send(frame);
    }

    /// <summary>Answers a call that came from another node.</summary>
    public void SendReply(RemoteNode remote, long correlation, object? reply)
    {
        var frame = FrameBuilder.Start(FrameKind.Reply);
        frame.WriteInt64(correlation);
        if (reply is null)
        {
            frame.WriteByte(ReplyNull);
        }
        else
        {
            frame.WriteByte(ReplyValue);
            try
            {
                WireFormat.WriteMessage(frame, Serializer, reply);
            }
            catch (MessageSerializationException e)
            {
                // The caller must not wait for a reply that cannot travel: it gets the reason instead.
                frame.Release();
                SendFailure(remote, correlation, ExitReason.FromException(e));
                return;
            }
        }
        remote.Send(frame);
    }

    /// <summary>Fails a call that came from another node.</summary>
    public void SendFailure(RemoteNode remote, long correlation, ExitReason reason)
    {
        var frame = FrameBuilder.Start(FrameKind.Reply);
        frame.WriteInt64(correlation);
        frame.WriteByte(ReplyFailure);
        WireFormat.WriteReason(frame, reason);
        remote.Send(frame);
    }

    /// <summary>
    /// Spawns a process of class <paramref name="type"/> on <paramref name="node"/>, optionally linked to or monitored
    /// by <paramref name="parent"/>. Completes with the new pid once the other node has created the process.
    /// </summary>
    /// <exception cref="ProcessStartException">The other node could not create it (unknown type, bad arguments), or the node is down.</exception>
    public async Task<Pid> SpawnAsync(NodeName node, Type type, object[] args, ProcessCell? parent, bool link, MonitorRef? monitor)
    {
        var remote = Get(node);
        var correlation = Interlocked.Increment(ref _nextCorrelation);
        var answer = new TaskCompletionSource<Pid>(TaskCreationOptions.RunContinuationsAsynchronously);
        var frame = FrameBuilder.Start(FrameKind.Spawn);
        frame.WriteInt64(correlation);
        WireFormat.WritePid(frame, parent?.Self);
        frame.WriteString(TypeNames.Of(type));
        frame.WriteByte(link ? (byte)1 : (byte)0);
        frame.WriteInt64(monitor?.Value ?? 0);
        Serialize(frame, args);
        remote.PendingSpawns[correlation] = new RemoteNode.PendingSpawn(answer, parent, link, monitor);
        remote.Send(frame);
        return await answer.Task.ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Node API
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Erlang's <c>net_adm:ping</c>: connects if needed; true (pong) when <paramref name="node"/> answers a probe.</summary>
    public async Task<bool> PingAsync(NodeName node, TimeSpan timeout)
    {
        if (node == _node.Node)
        {
            return true;
        }
        var remote = Get(node);
        if (!await remote.EnsureConnectedAsync().ConfigureAwait(false) || remote.Connection is not { } connection)
        {
            return false;
        }
        return await connection.PingAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>Erlang's <c>disconnect_node</c>: closes the connection; monitors get <see cref="NodeDownReason.Disconnected"/>.</summary>
    public bool Disconnect(NodeName node) => CloseConnection(node, NodeDownReason.Disconnected, "disconnected on request");

    /// <summary>
    /// Closes the connection to a node membership now records as dead: monitors get <see cref="NodeDownReason.Left"/>
    /// if it was leaving in an orderly way, <see cref="NodeDownReason.DeclaredDead"/> otherwise.
    /// </summary>
    public void OnDeclaredDead(NodeName node)
    {
        var left = Get(node).IsLeaving;
        CloseConnection(node, left ? NodeDownReason.Left : NodeDownReason.DeclaredDead, left ? $"{node} left the cluster" : $"{node} was declared dead");
    }

    /// <summary>
    /// Closes the connection to <paramref name="node"/>, if any, so that its loss is reported with <paramref name="why"/>.
    /// The reason is recorded only for a connection that is closed here: left behind, it would be taken for the
    /// reason of a later, unrelated loss.
    /// </summary>
    private bool CloseConnection(NodeName node, NodeDownReason why, string text)
    {
        _closeReasons[node] = why;
        if (Transport.Disconnect(node, text))
        {
            return true;
        }
        _closeReasons.TryRemove(new KeyValuePair<NodeName, NodeDownReason>(node, why));
        return false;
    }

    /// <summary>Marks a node that is leaving in an orderly way, so the loss of its connection is reported as <see cref="NodeDownReason.Left"/>.</summary>
    public void OnLeaving(NodeName node) => Get(node).IsLeaving = true;

    /// <summary>Erlang's <c>net_kernel:monitor_nodes(Flag)</c> for a local process.</summary>
    public void MonitorNodes(Pid subscriber, bool enable)
    {
        if (enable)
        {
            _nodeMonitors[subscriber] = 0;
        }
        else
        {
            _nodeMonitors.TryRemove(subscriber, out _);
        }
    }

    private void NotifyNodeMonitors(object message)
    {
        foreach (var subscriber in _nodeMonitors.Keys)
        {
            if (_node.IsExitedLocalProcess(subscriber))
            {
                _nodeMonitors.TryRemove(subscriber, out _);
                continue;
            }
            _node.Send(subscriber, message);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Connections (ITransportHandler)
    // ------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    Refusal? ITransportHandler.Admit(NodeIdentity peer) => Membership?.RefusalFor(peer);

    /// <inheritdoc />
    void ITransportHandler.OnConnected(PeerConnection connection)
    {
        var remote = Get(connection.Remote.Name);
        lock (remote.SessionGate)
        {
            var previous = remote.Attached;
            // An open connection to the same run of the node that this one replaces carries its session over.
            var continues = previous is { IsOpen: true } && previous.Remote.Creation == connection.Remote.Creation;
            if (previous is not null && !continues)
            {
                // The previous connection was lost, and a reconnect can overtake the handling of that loss; or it is
                // to an earlier run of the node. Either way its session ends here, before the new one begins.
                EndSession(remote, previous, remote.Detach(previous), previous.IsOpen ? NodeDownReason.ConnectionLost : WhyLost(remote));
            }
            remote.IsLeaving = false;
            remote.Attach(connection);
            if (!continues)
            {
                LogNodeUp(Logger, connection.Remote);
                if (connection.Remote.Role == PeerRole.Node)
                {
                    NotifyNodeMonitors(new NodeUp(connection.Remote.Name));
                }
            }
        }
    }

    /// <inheritdoc />
    void ITransportHandler.OnDisconnected(PeerConnection connection, DisconnectReason reason)
    {
        var remote = Get(connection.Remote.Name);
        lock (remote.SessionGate)
        {
            var state = remote.Detach(connection);
            if (ReferenceEquals(state, RemoteNode.SessionState.Empty))
            {
                return; // Replaced by a newer connection to the same node, or its session already ended when one did.
            }
            EndSession(remote, connection, state, WhyLost(remote));
        }
        Membership?.OnConnectionLost(connection.Remote.Name);
    }

    private NodeDownReason WhyLost(RemoteNode remote) =>
        _closeReasons.TryRemove(remote.Name, out var recorded) ? recorded : remote.IsLeaving ? NodeDownReason.Left : NodeDownReason.ConnectionLost;

    /// <inheritdoc />
    void ITransportHandler.OnUnsent(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload) =>
        ReportUnsent(connection.Remote.Name, kind, payload, $"noconnection: the connection to {connection.Remote.Name} closed before it was sent");

    /// <summary>A frame that could not be sent (the node was unreachable): its message becomes a dead letter.</summary>
    internal void OnUnsent(RemoteNode remote, FrameBuilder frame, string why)
    {
        ReportUnsent(remote.Name, frame.Kind, new ReadOnlySequence<byte>(frame.Payload), why);
        frame.Release();
        // What waits on this node is settled through the session; with no connection made, settle it here.
        if (remote.Connection is null)
        {
            SettleUnreachable(remote);
        }
    }

    /// <summary>
    /// Reports the message a frame that was never sent carried as a dead letter (read back from the frame: a message
    /// waiting to be sent is only its bytes). Frames of other kinds are accounted for elsewhere: calls and spawns by the
    /// session or <see cref="SettleUnreachable"/>, signals by the links and monitors they belong to.
    /// </summary>
    private void ReportUnsent(NodeName to, FrameKind kind, ReadOnlySequence<byte> payload, string why)
    {
        if (kind is not (FrameKind.Message or FrameKind.Cast or FrameKind.NamedMessage or FrameKind.RpcCast or FrameKind.GroupBroadcast))
        {
            return;
        }
        var reader = new FrameReader(payload);
        string target;
        if (kind == FrameKind.NamedMessage)
        {
            target = $"{{{reader.ReadString()},{to}}}";
        }
        else if (kind == FrameKind.RpcCast)
        {
            target = $"rpc {reader.ReadString()} on {to}";
        }
        else if (kind == FrameKind.GroupBroadcast)
        {
            target = Groups.GroupBroadcastFrame.ReadTarget(ref reader, to);
        }
        else
        {
            target = WireFormat.ReadRequiredPid(ref reader, _node).ToString();
            reader.ReadByte(); // Hops.
        }
        if (TryReadMessage(ref reader, out var message, out var failure))
        {
            _node.DeadLetters.Report(target, message, why);
        }
        else
        {
            _node.DeadLetterOffice.Report(target, failure.TypeName, why);
        }
    }

    /// <summary>
    /// Settles what local processes started toward a node that could not be reached (no session holds it): calls and
    /// spawns fail with <c>{nodedown, Node}</c>, links deliver an exit signal <c>noconnection</c> to their local end,
    /// monitors a <see cref="Down"/> with <c>noconnection</c>, as in Erlang for a node that cannot be connected.
    /// </summary>
    private void SettleUnreachable(RemoteNode remote)
    {
        var nodedown = ExitReason.NodeDown(remote.Name);
        foreach (var (correlation, call) in remote.PendingCalls)
        {
            if (remote.PendingCalls.TryRemove(correlation, out _))
            {
                call.Fail(nodedown);
            }
        }
        foreach (var (correlation, spawn) in remote.PendingSpawns)
        {
            if (remote.PendingSpawns.TryRemove(correlation, out _))
            {
                spawn.Answer.TrySetException(new ProcessStartException("(remote spawn)", nodedown));
            }
        }
        foreach (var link in remote.Links.Keys)
        {
            if (remote.Links.TryRemove(link, out _))
            {
                _node.Router.Resolve(link.Local, activate: false)?.ReceiveExitSignal(link.Remote, ExitReason.NoConnection, viaLink: true);
            }
        }
        foreach (var monitorRef in remote.Monitors.Keys)
        {
            if (remote.Monitors.TryRemove(monitorRef, out var entry))
            {
                DeliverDown(entry.Watcher, monitorRef, entry.Target, ExitReason.NoConnection);
            }
        }
    }

    /// <summary>Settles a lost session: calls fail, links and monitors fire with noconnection, node monitors hear of it.</summary>
    private void EndSession(RemoteNode remote, PeerConnection connection, RemoteNode.SessionState state, NodeDownReason why)
    {
        var nodedown = ExitReason.NodeDown(remote.Name);
        foreach (var call in state.Calls)
        {
            call.Fail(nodedown);
        }
        foreach (var spawn in state.Spawns)
        {
            spawn.Answer.TrySetException(new ProcessStartException("(remote spawn)", nodedown));
        }
        foreach (var (local, far) in state.Links)
        {
            _node.Router.Resolve(local, activate: false)?.ReceiveExitSignal(far, ExitReason.NoConnection, viaLink: true);
        }
        foreach (var (monitorRef, watcher, target) in state.Monitors)
        {
            DeliverDown(watcher, monitorRef, target, ExitReason.NoConnection);
        }
        foreach (var watcher in state.Watchers)
        {
            watcher.Target.RemoveWatcher(watcher.LocalKey);
        }
        LogNodeDown(Logger, connection.Remote, why);
        if (connection.Remote.Role == PeerRole.Node)
        {
            NotifyNodeMonitors(new NodeDown(remote.Name, why));
        }
    }

    private void DeliverDown(object watcher, long monitorRef, Pid target, ExitReason reason)
    {
        switch (watcher)
        {
            case Pid pid:
                _node.Router.Resolve(pid, activate: false)?.DeliverDown(new MonitorRef(monitorRef), target, reason);
                break;
            case TaskCompletionSource<ExitReason> completion:
                completion.TrySetResult(reason);
                break;
            case IExitWatcher exitWatcher:
                exitWatcher.OnWatchedExit(reason);
                break;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Incoming: frames from other nodes
    // ------------------------------------------------------------------------------------------------------------

    private const byte ReplyValue = 0;
    private const byte ReplyNull = 1;
    private const byte ReplyFailure = 2;

    /// <inheritdoc />
    bool ITransportHandler.OnFrame(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload)
    {
        var reader = new FrameReader(payload);
        var remote = Get(connection.Remote.Name);
        switch (kind)
        {
            case FrameKind.Message or FrameKind.Cast:
                OnMessage(ref reader, kind == FrameKind.Cast ? EnvelopeKind.Cast : EnvelopeKind.Message, remote.Name);
                return true;
            case FrameKind.Call:
                OnCall(ref reader, remote);
                return true;
            case FrameKind.Reply:
                OnReply(ref reader, remote);
                return true;
            case FrameKind.NamedMessage:
                OnNamedMessage(ref reader);
                return true;
            case FrameKind.NamedCall:
                OnNamedCall(ref reader, remote);
                return true;
            case FrameKind.RpcCall or FrameKind.RpcCast:
                _node.OnRpcFrame(kind, ref reader, remote);
                return true;
            case FrameKind.Link:
                OnLink(ref reader, remote);
                return true;
            case FrameKind.Unlink:
                OnUnlink(ref reader, remote);
                return true;
            case FrameKind.Exit:
                OnExit(ref reader, remote);
                return true;
            case FrameKind.Monitor:
                OnMonitor(ref reader, remote);
                return true;
            case FrameKind.Demonitor:
                OnDemonitor(ref reader, remote);
                return true;
            case FrameKind.Down:
                OnDown(ref reader, remote);
                return true;
            case FrameKind.Spawn:
                OnSpawn(ref reader, remote);
                return true;
            case FrameKind.SpawnReply:
                OnSpawnReply(ref reader, remote);
                return true;
            case FrameKind.GroupBroadcast:
                Groups.GroupBroadcastFrame.Receive(_node, Serializer, ref reader);
                return true;
            case FrameKind.GroupProtocol:
                Groups.ScopeProtocolFrame.Receive(_node, Serializer, ref reader, remote.Name);
                return true;
            case FrameKind.GlobalRequest or FrameKind.GlobalAnswer or FrameKind.GlobalSnapshot or FrameKind.GlobalChange:
                _node.OnGlobalFrame(connection, kind, payload);
                return true;
            default:
                return Membership?.OnFrame(connection, kind, payload) ?? false;
        }
    }

    private void OnMessage(ref FrameReader reader, EnvelopeKind kind, NodeName from)
    {
        var to = WireFormat.ReadRequiredPid(ref reader, _node);
        var hops = reader.ReadByte();
        if (!TryReadMessage(ref reader, out var message, out var failure))
        {
            _node.DeadLetterOffice.Report(to.ToString(), failure.TypeName, failure.Reason);
            return;
        }
        if (!IsLocal(to))
        {
            _node.DeadLetters.Report(to.ToString(), message, $"noproc: {to} is not a process of {_node.Node}");
            return;
        }
        DeliverLocally(to, new Envelope(kind, message) { Hops = hops }, from);
    }

    /// <summary>Delivers what arrived for a local or virtual pid; a virtual one may be forwarded on if it lives elsewhere.</summary>
    private void DeliverLocally(Pid to, Envelope envelope, NodeName from)
    {
        if (to.IsVirtual)
        {
            _node.Router.DeliverVirtual(to, envelope, from);
        }
        else
        {
            _node.Router.Deliver(to, envelope);
        }
    }

    private void OnCall(ref FrameReader reader, RemoteNode remote)
    {
        var to = WireFormat.ReadRequiredPid(ref reader, _node);
        var hops = reader.ReadByte();
        var correlation = reader.ReadInt64();
        var caller = WireFormat.ReadPid(ref reader, _node);
        if (!TryReadMessage(ref reader, out var request, out var failure))
        {
            SendFailure(remote, correlation, ExitReason.FromException(typeof(UnknownMessageTypeException).FullName!, failure.Reason));
            return;
        }
        var replyTo = new RemoteReplyTarget(this, remote, correlation);
        if (!IsLocal(to))
        {
            replyTo.Fail(correlation, ExitReason.NoProc);
            return;
        }
        if (_node.Router.FindSpawned(to) is { } callee)
        {
            // As for a local call: the call watches its callee, so that the callee's exit fails it at once.
            var key = _node.NewMonitorRef().Value;
            if (callee.AddWatcher(key, replyTo))
            {
                replyTo.SetWatch(callee, key);
            }
        }
        DeliverLocally(to, new Envelope(request, replyTo, correlation, caller) { Hops = hops }, remote.Name);
    }

    private void OnReply(ref FrameReader reader, RemoteNode remote)
    {
        var correlation = reader.ReadInt64();
        var status = reader.ReadByte();
        if (!remote.PendingCalls.TryRemove(correlation, out var call))
        {
            return; // Timed out already; the late reply is dropped (a call's outcome is known once).
        }
        switch (status)
        {
            case ReplyNull:
                call.Reply(null);
                break;
            case ReplyValue:
                if (TryReadMessage(ref reader, out var reply, out var failure))
                {
                    call.Reply(reply);
                }
                else
                {
                    call.Fail(ExitReason.FromException(typeof(UnknownMessageTypeException).FullName!, $"the reply could not be read: {failure.Reason}"));
                }
                break;
            default:
                call.Fail(WireFormat.ReadReason(ref reader));
                break;
        }
    }

    private void OnNamedMessage(ref FrameReader reader)
    {
        var name = reader.ReadString();
        if (!TryReadMessage(ref reader, out var message, out var failure))
        {
            _node.DeadLetterOffice.Report($"{{{name},{_node.Node}}}", failure.TypeName, failure.Reason);
            return;
        }
        if (_node.Names.Find(name) is { } cell)
        {
            cell.Post(new Envelope(EnvelopeKind.Message, message));
        }
        else
        {
            // {Name, Node} ! Msg to a name nobody holds: no error travels back (as in Erlang), but it is not silent here.
            _node.DeadLetters.Report($"{{{name},{_node.Node}}}", message, $"noproc: no process is registered as '{name}' on {_node.Node}");
        }
    }

    private void OnNamedCall(ref FrameReader reader, RemoteNode remote)
    {
        var name = reader.ReadString();
        var correlation = reader.ReadInt64();
        var caller = WireFormat.ReadPid(ref reader, _node);
        if (!TryReadMessage(ref reader, out var request, out var failure))
        {
            SendFailure(remote, correlation, ExitReason.FromException(typeof(UnknownMessageTypeException).FullName!, failure.Reason));
            return;
        }
        var replyTo = new RemoteReplyTarget(this, remote, correlation);
        if (_node.Names.Find(name) is not { } callee)
        {
            replyTo.Fail(correlation, ExitReason.NoProc); // The caller's side names the name and this node.
            return;
        }
        var key = _node.NewMonitorRef().Value;
        if (callee.AddWatcher(key, replyTo))
        {
            replyTo.SetWatch(callee, key);
        }
        callee.Post(new Envelope(request, replyTo, correlation, caller));
    }

    private void OnLink(ref FrameReader reader, RemoteNode remote)
    {
        var from = WireFormat.ReadRequiredPid(ref reader, _node);
        var to = WireFormat.ReadRequiredPid(ref reader, _node);
        var cell = IsLocal(to) ? _node.Router.Resolve(to, activate: true) : null;
        if (cell is null || !cell.AcceptLink(from, null))
        {
            // Linking to a process that does not exist: the linker gets an exit signal noproc from it.
            var frame = Signal(FrameKind.Exit, to, from);
            frame.WriteByte(1);
            WireFormat.WriteReason(frame, ExitReason.NoProc);
            remote.Send(frame);
            return;
        }
        remote.Links[(cell.Self, from)] = 0;
    }

    private void OnUnlink(ref FrameReader reader, RemoteNode remote)
    {
        var from = WireFormat.ReadRequiredPid(ref reader, _node);
        var to = WireFormat.ReadRequiredPid(ref reader, _node);
        remote.Links.TryRemove((to, from), out _);
        _node.Router.Resolve(to, activate: false)?.RemoveLink(from);
    }

    private void OnExit(ref FrameReader reader, RemoteNode remote)
    {
        var from = WireFormat.ReadRequiredPid(ref reader, _node);
        var to = WireFormat.ReadRequiredPid(ref reader, _node);
        var viaLink = reader.ReadByte() != 0;
        var reason = WireFormat.ReadReason(ref reader);
        if (viaLink)
        {
            remote.Links.TryRemove((to, from), out _);
        }
        _node.Router.Resolve(to, activate: false)?.ReceiveExitSignal(from, reason, viaLink);
    }

    private void OnMonitor(ref FrameReader reader, RemoteNode remote)
    {
        var watcher = WireFormat.ReadRequiredPid(ref reader, _node);
        var target = WireFormat.ReadRequiredPid(ref reader, _node);
        var monitorRef = reader.ReadInt64();
        var cell = IsLocal(target) ? _node.Router.Resolve(target, activate: true) : null;
        if (cell is not null)
        {
            var localKey = _node.NewMonitorRef().Value;
            var entry = new RemoteWatcher(this, remote, watcher, monitorRef, cell, localKey);
            remote.Watchers[monitorRef] = entry;
            if (cell.AddWatcher(localKey, entry))
            {
                return;
            }
            remote.Watchers.TryRemove(monitorRef, out _);
        }
        SendDown(remote, watcher, monitorRef, target, ExitReason.NoProc);
    }

    private void OnDemonitor(ref FrameReader reader, RemoteNode remote)
    {
        _ = WireFormat.ReadRequiredPid(ref reader, _node);
        var monitorRef = reader.ReadInt64();
        if (remote.Watchers.TryRemove(monitorRef, out var entry))
        {
            entry.Target.RemoveWatcher(entry.LocalKey);
        }
    }

    private void OnDown(ref FrameReader reader, RemoteNode remote)
    {
        _ = WireFormat.ReadRequiredPid(ref reader, _node);
        var monitorRef = reader.ReadInt64();
        var target = WireFormat.ReadRequiredPid(ref reader, _node);
        var reason = WireFormat.ReadReason(ref reader);
        if (remote.Monitors.TryRemove(monitorRef, out var entry))
        {
            DeliverDown(entry.Watcher, monitorRef, target, reason);
        }
    }

    private void OnSpawn(ref FrameReader reader, RemoteNode remote)
    {
        var correlation = reader.ReadInt64();
        var parent = WireFormat.ReadPid(ref reader, _node);
        var typeName = reader.ReadString();
        var link = reader.ReadByte() != 0;
        var monitorRef = reader.ReadInt64();
        string? failure = null;
        ProcessCell? child = null;
        if (TypeNames.Resolve(typeName) is not { } type || !typeof(ProcessBehavior).IsAssignableFrom(type))
        {
            failure = $"{_node.Node} cannot spawn {typeName}: no such process class is loaded there (deploy its assembly on that node)";
        }
        else if (!TryReadMessage(ref reader, out var args, out _) || args is not object[] arguments)
        {
            failure = $"the arguments for {typeName} could not be read on {_node.Node}";
        }
        else
        {
            try
            {
                child = _node.SpawnForRemote(type, arguments, parent, link, monitorRef == 0 ? null : monitorRef, remote);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                failure = e.Message;
            }
        }
        var frame = FrameBuilder.Start(FrameKind.SpawnReply);
        frame.WriteInt64(correlation);
        WireFormat.WritePid(frame, child?.Self);
        frame.WriteString(failure ?? "");
        remote.Send(frame);
        // Started only now, so that anything the child causes (its exit signal, a Down) follows the reply on the connection.
        child?.Start();
    }

    private void OnSpawnReply(ref FrameReader reader, RemoteNode remote)
    {
        var correlation = reader.ReadInt64();
        var pid = WireFormat.ReadPid(ref reader, _node);
        var failure = reader.ReadString();
        if (!remote.PendingSpawns.TryRemove(correlation, out var spawn))
        {
            return;
        }
        if (pid is null)
        {
            spawn.Answer.TrySetException(new ProcessStartException("(remote spawn)", ExitReason.Custom(failure.Length > 0 ? failure : "the spawn failed")));
            return;
        }
        // Recorded here, on the reader, before any later frame from that node (the child's exit, a Down) is handled.
        if (spawn.Parent is { } parent)
        {
            if (spawn.Link)
            {
                remote.Links[(parent.Self, pid)] = 0;
                parent.AddLinkUnchecked(pid);
                if (parent.ExitReason is { } parentExit)
                {
                    SendExit(remote.Name, parent.Self, pid, parentExit, viaLink: true); // The parent exited while the spawn was on its way.
                }
            }
            if (spawn.Monitor is { } monitorRef)
            {
                remote.Monitors[monitorRef.Value] = (parent.Self, pid);
                parent.AddHeldMonitor(monitorRef, pid);
            }
        }
        spawn.Answer.TrySetResult(pid);
    }

    private bool TryReadMessage(ref FrameReader reader, out object message, out Unreadable failure)
    {
        try
        {
            message = WireFormat.ReadMessage(ref reader, Serializer);
            failure = default!;
            return true;
        }
        catch (UnknownMessageTypeException e)
        {
            failure = new Unreadable(e.TypeName, e.Message);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            failure = new Unreadable("(unreadable)", $"the message could not be read: {e.Message}");
        }
        message = failure;
        return false;
    }

    private bool IsLocal(Pid pid) => pid.IsVirtual || pid.Node == _node.Node;

    private static FrameBuilder Signal(FrameKind kind, Pid from, Pid to)
    {
        var frame = FrameBuilder.Start(kind);
        WireFormat.WritePid(frame, from);
        WireFormat.WritePid(frame, to);
        return frame;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync().ConfigureAwait(false);
        // Sessions that ended with their connections have settled what waited on them. What waited on a node that was
        // still being dialled (or never answered) would otherwise wait forever: the node's timers stop with it.
        foreach (var remote in _nodes.Values)
        {
            SettleUnreachable(remote);
        }
    }

    /// <summary>A message whose frame may never be sent, kept to report it as a dead letter.</summary>

    /// <summary>A message that arrived but could not be read; its type name stands for it in the dead-letter record.</summary>
    private sealed record Unreadable(string TypeName, string Reason);

    [LoggerMessage(EventId = 520, Level = LogLevel.Information, Message = "Node up: {Peer}")]
    private static partial void LogNodeUp(ILogger logger, NodeIdentity peer);

    [LoggerMessage(EventId = 521, Level = LogLevel.Information, Message = "Node down: {Peer} ({Reason})")]
    private static partial void LogNodeDown(ILogger logger, NodeIdentity peer, NodeDownReason reason);
}

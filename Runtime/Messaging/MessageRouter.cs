using ProcessGrid.Runtime.Processes;

namespace ProcessGrid.Runtime.Messaging;

/// <summary>
/// Decides where a message or signal for a pid goes: a local process (the pid's cached cell, or a table lookup), a
/// virtual process's activation, or another node. The one place that knows local from remote, so processes and the
/// API never do.
/// </summary>
/// <remarks>
/// A pid of another node goes to the distribution layer, which turns the operation into a frame to that node. A node
/// that is not distributed cannot reach it: messages to it are dead letters, calls fail with <c>{nodedown, Node}</c>,
/// links and monitors to it fire with <c>noconnection</c> (as in Erlang when a node cannot be connected).
/// </remarks>
internal sealed class MessageRouter(ProcessNode node)
{
    /// <summary>Delivers an envelope to <paramref name="to"/>. Never blocks.</summary>
    public void Deliver(Pid to, Envelope envelope)
    {
        if (to.IsVirtual)
        {
            DeliverVirtual(to, envelope, node.Node);
            return;
        }
        if (to.Cell is ProcessCell cached && IsOwn(cached))
        {
            cached.Post(envelope);
            return;
        }
        if (to.Node == node.Node)
        {
            if (to.Creation == node.Creation && node.Table.Find(to.Id) is { } cell)
            {
                to.Cell = cell;
                cell.Post(envelope);
                return;
            }
            Undeliverable(to, envelope, to.Creation == node.Creation
                ? "noproc: no such process on this node"
                : "noproc: the pid belongs to an earlier run of this node", ExitReason.NoProc);
            return;
        }
        if (node.Distribution is { } distribution)
        {
            distribution.Deliver(to, envelope);
            return;
        }
        Undeliverable(to, envelope, $"noconnection: this node is not distributed, so it cannot reach {to.Node}", ExitReason.NodeDown(to.Node));
    }

    /// <summary>The most nodes a message for a virtual process is forwarded through before it is activated where it is.</summary>
    private const int MaxVirtualHops = 3;

    /// <summary>
    /// Delivers to a virtual process: to its activation here if one is registered (which keeps one sender's messages in
    /// order through a move); else to the node placement names, activating it here if that is this node, or if the
    /// message was handed here by the key's owner (which chose this node as its host).
    /// </summary>
    /// <param name="to">The virtual pid.</param>
    /// <param name="envelope">The message.</param>
    /// <param name="from">The node the message came from (this node for a local send; prefer-local placement places there).</param>
    public void DeliverVirtual(Pid to, Envelope envelope, NodeName from)
    {
        if (node.Activations.TryDeliverToExisting(to, envelope))
        {
            return;
        }
        if (node.Distribution is not { } distribution)
        {
            node.Activations.Deliver(to, envelope);
            return;
        }
        var route = node.Placement.RouteFor(to, from);
        if (node.IsClient)
        {
            // A client hosts no virtual process: it sends to the key's owner, or, knowing no node, gives up.
            if (route == node.Node)
            {
                Undeliverable(to, envelope, NoNodeForClient, ExitReason.NoConnection);
            }
            else
            {
                distribution.DeliverTo(route, to, envelope);
            }
            return;
        }
        if (route == node.Node || envelope.Hops >= MaxVirtualHops || (from != node.Node && node.Placement.OwnerOf(to) == from))
        {
            node.Activations.Deliver(to, envelope);
            return;
        }
        envelope.Hops++;
        distribution.DeliverTo(route, to, envelope);
    }

    private const string NoNodeForClient = "noconnection: this client knows no active node of the cluster to send it to";

    /// <summary>Gives up an envelope: a call fails at once with <paramref name="callFailure"/>, anything else is a dead letter.</summary>
    public void Undeliverable(Pid to, Envelope envelope, string why, ExitReason callFailure)
    {
        if (envelope.Kind == EnvelopeKind.Call)
        {
            envelope.ReplyTo!.Fail(envelope.ReplyToken, callFailure);
        }
        else if (envelope.Kind != EnvelopeKind.Stop)
        {
            node.DeadLetters.Report(to.ToString(), envelope.Message!, why);
        }
    }

    /// <summary>The live local process behind a pid (for a virtual pid: its activation, activating it when <paramref name="activate"/>).</summary>
    internal ProcessCell? Resolve(Pid pid, bool activate)
    {
        if (pid.IsVirtual)
        {
            if (!activate || node.IsClient)
            {
                return node.Activations.Find(pid);
            }
            try
            {
                return node.Activations.GetOrActivate(pid);
            }
            catch (Exception)
            {
                return null; // It cannot be activated (unknown kind, or its constructor threw): as good as no process.
            }
        }
        if (pid.Cell is ProcessCell cached && IsOwn(cached))
        {
            return cached;
        }
        if (pid.Node != node.Node)
        {
            return null;
        }
        if (pid.Node == node.Node && pid.Creation == node.Creation && node.Table.Find(pid.Id) is { } cell)
        {
            pid.Cell = cell;
            return cell;
        }
        return null;
    }

    /// <summary>The live local process behind a spawned pid, or null (for a virtual pid, or when it is not a live process of this node).</summary>
    public ProcessCell? FindSpawned(Pid pid) => pid.IsVirtual ? null : Resolve(pid, activate: false) is { IsAlive: true } cell ? cell : null;

    /// <summary>
    /// The other node a signal for <paramref name="pid"/> must go to, or null when it is handled here: a spawned pid of
    /// another node; a virtual pid with no activation registered here that placement puts on another node.
    /// </summary>
    private NodeName? RemoteNodeOf(Pid pid)
    {
        if (!pid.IsVirtual)
        {
            return pid.Node == node.Node ? null : pid.Node;
        }
        if (node.Distribution is null || node.Activations.Find(pid) is not null)
        {
            return null;
        }
        var route = node.Placement.RouteFor(pid, node.Node);
        return route == node.Node ? null : route;
    }

    /// <summary>
    /// True when a pid's cached cell is a process of this node. One OS process may host several nodes (tests do, and
    /// a client may run beside a node), and a pid object is shared by all who hold it: the cell another node cached
    /// on it is that node's process, reached from here only through the distribution layer, in order with the rest of
    /// the traffic to that node.
    /// </summary>
    private bool IsOwn(ProcessCell cell) => ReferenceEquals(cell.Grid, node);

    /// <summary>Sends an exit signal from <paramref name="from"/> (whose cell, when local, is <paramref name="fromCell"/>).</summary>
    public void SendExitSignal(Pid from, ProcessCell? fromCell, Pid to, ExitReason reason, bool viaLink)
    {
        if (RemoteNodeOf(to) is { } remote)
        {
            node.Distribution?.SendExit(remote, from, to, reason, viaLink);
            return;
        }
        Resolve(to, activate: false)?.ReceiveExitSignal(from, reason, viaLink);
    }

    /// <summary>Asks <paramref name="target"/> to record a link to <paramref name="from"/>. Returns the failure reason, or null when linked.</summary>
    public ExitReason? AcceptLink(Pid target, Pid from, ProcessCell fromCell)
    {
        if (RemoteNodeOf(target) is { } remote)
        {
            if (node.Distribution is not { } distribution)
            {
                return ExitReason.NoConnection;
            }
            distribution.Link(remote, from, target); // A target that does not exist answers with an exit signal noproc.
            return null;
        }
        var cell = Resolve(target, activate: true);
        return cell is not null && cell.AcceptLink(from, fromCell) ? null : Unresolved(target);
    }

    /// <summary>Why a link or monitor on <paramref name="target"/> found no process: a client that knows no node to host a virtual one cannot reach it.</summary>
    private ExitReason Unresolved(Pid target) => target.IsVirtual && node.IsClient ? ExitReason.NoConnection : ExitReason.NoProc;

    /// <summary>Removes <paramref name="from"/> from <paramref name="target"/>'s links.</summary>
    public void RemoveLink(Pid target, Pid from)
    {
        if (RemoteNodeOf(target) is { } remote)
        {
            node.Distribution?.Unlink(remote, from, target);
            return;
        }
        Resolve(target, activate: false)?.RemoveLink(from);
    }

    /// <summary>Records a monitor on <paramref name="target"/>. Returns the failure reason (for an immediate Down), or null.</summary>
    public ExitReason? AddWatcher(Pid target, long monitorRef, object watcher)
    {
        if (RemoteNodeOf(target) is { } remote)
        {
            if (node.Distribution is not { } distribution)
            {
                return ExitReason.NoConnection;
            }
            distribution.Monitor(remote, watcher, target, monitorRef); // A target that does not exist answers with Down noproc.
            return null;
        }
        var cell = Resolve(target, activate: true);
        return cell is not null && cell.AddWatcher(monitorRef, watcher) ? null : Unresolved(target);
    }

    /// <summary>Removes a monitor from <paramref name="target"/>.</summary>
    public void RemoveWatcher(Pid target, long monitorRef)
    {
        if (RemoteNodeOf(target) is { } remote)
        {
            node.Distribution?.Demonitor(remote, target, monitorRef);
            return;
        }
        Resolve(target, activate: false)?.RemoveWatcher(monitorRef);
    }

    /// <summary>Delivers a <see cref="Down"/> to the process that holds the monitor.</summary>
    public void DeliverDown(Pid watcher, MonitorRef monitorRef, Pid target, ExitReason reason) =>
        Resolve(watcher, activate: false)?.DeliverDown(monitorRef, target, reason);
}

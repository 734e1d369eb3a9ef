using System.Text.Json;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Serialization;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// How the processes of one scope on different nodes talk (<see cref="FrameKind.GroupProtocol"/>): a discover to
/// the scope on a node, or a sync or update to one peer scope process. Like Erlang's pg, which sends with
/// <c>noconnect</c>, these are not user messages: one that cannot be delivered is dropped, not a dead letter.
/// </summary>
/// <remarks>
/// <para>Layout: <c>scope (string) | target (a pid, or none for "the scope's process there") | message</c>.</para>
/// <para>Why dropping is safe: a frame is lost only with its connection, and the loss of a connection ends the peering
/// at both ends (each sees the other's scope go down and drops its members); when the nodes connect again they
/// discover each other and sync everything. A frame for a scope process that has since exited is dropped because its
/// successor was never its sender's peer: it syncs afresh. A discover to a node that does not run the scope is
/// dropped because that node is simply not in the scope's overlay.</para>
/// <para>The frames travel on the connection to that node with all other traffic, so a scope's messages stay in order
/// with its monitors and the <see cref="Down"/> of its peer.</para>
/// </remarks>
internal static partial class ScopeProtocolFrame
{
    /// <summary>Sends <paramref name="message"/> to the process of <paramref name="scope"/> on <paramref name="node"/> (a discover).</summary>
    public static void SendToScope(ProcessNode from, string scope, NodeName node, object message)
    {
        if (from.Distribution is { } distribution)
        {
            distribution.Get(node).Send(Write(distribution.Serializer, scope, target: null, message, out _));
        }
    }

    /// <summary>Sends <paramref name="message"/> to each of <paramref name="peers"/> (scope processes on other nodes), serialized once.</summary>
    public static void SendToPeers(ProcessNode from, string scope, IReadOnlyList<Pid> peers, object message)
    {
        if (peers.Count == 0 || from.Distribution is not { } distribution)
        {
            return;
        }
        // All frames are built before any is sent: a frame sent is a frame released.
        var frames = new FrameBuilder[peers.Count];
        frames[0] = Write(distribution.Serializer, scope, peers[0], message, out var messageStart);
        for (var i = 1; i < frames.Length; i++)
        {
            frames[i] = FrameBuilder.Start(FrameKind.GroupProtocol);
            frames[i].WriteString(scope);
            WireFormat.WritePid(frames[i], peers[i]);
            frames[i].WriteBytes(frames[0].Payload.Span[messageStart..]);
        }
        for (var i = 0; i < frames.Length; i++)
        {
            distribution.Get(peers[i].Node).Send(frames[i]);
        }
    }

    /// <summary>Hands a protocol message that arrived from another node to the scope's process here, or drops it (see the remarks).</summary>
    public static void Receive(ProcessNode node, MessageSerializer serializer, ref FrameReader reader, NodeName from)
    {
        var scopeName = reader.ReadString();
        var target = WireFormat.ReadPid(ref reader, node);
        var logger = node.GroupService?.Logger ?? node.Logger;
        object message;
        try
        {
            message = WireFormat.ReadMessage(ref reader, serializer);
        }
        catch (Exception e) when (e is UnknownMessageTypeException or JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // A peer that speaks another version of the protocol: it is left out of the overlay, and the log says so.
            LogUnreadable(logger, scopeName, $"it could not be read: {e.Message}");
            return;
        }
        if (message is not IPeerMessage { Scope: var sender } || sender.Node != from)
        {
            LogUnreadable(logger, scopeName, $"a {message.GetType().Name} from {from} is not a message of a scope process of that node");
            return;
        }
        var scope = node.GroupService?.Find(scopeName);
        if (scope?.Process is not { } process || (target is not null && target != process))
        {
            LogDropped(logger, message.GetType().Name, scopeName, node.Node);
            return;
        }
        node.Router.Deliver(process, new Envelope(EnvelopeKind.Message, message));
    }

    private static FrameBuilder Write(MessageSerializer serializer, string scope, Pid? target, object message, out int messageStart)
    {
        var frame = FrameBuilder.Start(FrameKind.GroupProtocol);
        frame.WriteString(scope);
        WireFormat.WritePid(frame, target);
        messageStart = frame.PayloadLength;
        try
        {
            WireFormat.WriteMessage(frame, serializer, message);
        }
        catch
        {
            frame.Release();
            throw;
        }
        return frame;
    }

    [LoggerMessage(EventId = 776, Level = LogLevel.Debug, Message = "Process-group {Message} for scope {Scope} dropped on {Node}: the scope's process it was for does not run here (any more)")]
    private static partial void LogDropped(ILogger logger, string message, string scope, NodeName node);

    [LoggerMessage(EventId = 777, Level = LogLevel.Warning, Message = "A process-group protocol message for scope {Scope} is ignored: {Why}")]
    private static partial void LogUnreadable(ILogger logger, string scope, string why);
}

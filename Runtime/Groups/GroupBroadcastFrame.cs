using System.Text.Json;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Serialization;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// A broadcast to a group's members on one node (<see cref="FrameKind.GroupBroadcast"/>): the message crosses to each
/// node with members once, not once per member, and the receiving node hands it to its members of the group as its
/// scope knows them when the frame arrives.
/// </summary>
/// <remarks>
/// <para>Layout: <c>scope (string) | group (string) | message</c> (the message as every message is written).</para>
/// <para>It travels on the connection to that node with the sender's other messages, so a member gets a sender's
/// broadcasts and direct messages in send order. The receiver reads the message once and delivers the same object to
/// each of its members, as a send between processes of one node does.</para>
/// <para>Nothing is lost silently: a frame that reaches a node where the group has no member any more, or that could
/// not be read or sent, is a dead letter (once per frame) with the reason.</para>
/// </remarks>
internal static class GroupBroadcastFrame
{
    /// <summary>Builds the frame for <paramref name="message"/> to the members of <paramref name="group"/> in <paramref name="scope"/>.</summary>
    /// <exception cref="MessageSerializationException">The message cannot cross nodes (no frame is left behind).</exception>
    public static FrameBuilder Write(MessageSerializer serializer, string scope, string group, object message)
    {
        var frame = FrameBuilder.Start(FrameKind.GroupBroadcast);
        frame.WriteString(scope);
        frame.WriteString(group);
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

    /// <summary>A copy of <paramref name="frame"/> for another node (a frame is released once sent, so each node needs its own).</summary>
    public static FrameBuilder Copy(FrameBuilder frame)
    {
        var copy = FrameBuilder.Start(FrameKind.GroupBroadcast);
        copy.WriteBytes(frame.Payload.Span);
        return copy;
    }

    /// <summary>Delivers a broadcast that arrived from another node to this node's members of the group.</summary>
    public static void Receive(ProcessNode node, MessageSerializer serializer, ref FrameReader reader)
    {
        var scope = reader.ReadString();
        var group = reader.ReadString();
        var target = Target(scope, group, node.Node);
        object message;
        try
        {
            message = WireFormat.ReadMessage(ref reader, serializer);
        }
        catch (UnknownMessageTypeException e)
        {
            node.DeadLetterOffice.Report(target, e.TypeName, e.Message);
            return;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            node.DeadLetterOffice.Report(target, "(unreadable)", $"the message could not be read: {e.Message}");
            return;
        }
        if (node.GroupService?.Find(scope) is not { } groups)
        {
            node.DeadLetters.Report(target, message, $"the process-group scope '{scope}' does not run on {node.Node}");
            return;
        }
        var members = groups.View[group].TargetsFor(node.Node).Local;
        if (members.Length == 0)
        {
            node.DeadLetters.Report(target, message, $"the group '{group}' had no members on {node.Node} when the broadcast arrived");
            return;
        }
        foreach (var pid in members)
        {
            node.Router.Deliver(pid, new Envelope(EnvelopeKind.Message, message));
        }
    }

    /// <summary>Reads where an unsent frame was going, for its dead letter; the reader is left at the message.</summary>
    public static string ReadTarget(ref FrameReader reader, NodeName node)
    {
        var scope = reader.ReadString();
        var group = reader.ReadString();
        return Target(scope, group, node);
    }

    /// <summary>How a broadcast's destination is named in dead letters: the group's members on one node.</summary>
    private static string Target(string scope, string group, NodeName node) => $"{{{scope},{group}}} members on {node}";
}

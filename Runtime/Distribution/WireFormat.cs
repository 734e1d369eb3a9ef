using ProcessGrid.Runtime.Serialization;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Distribution;

/// <summary>
/// How the values the runtime itself sends between nodes are written in frames: pids, exit reasons, and messages
/// (a message is the serializer's type name + JSON, to the end of the frame).
/// </summary>
internal static class WireFormat
{
    private const byte NoPid = 0;
    private const byte SpawnedPid = 1;
    private const byte VirtualPid = 2;

    /// <summary>Writes a pid (or its absence).</summary>
    public static void WritePid(FrameBuilder frame, Pid? pid)
    {
        switch (pid)
        {
            case null:
                frame.WriteByte(NoPid);
                break;
            case { IsVirtual: true }:
                frame.WriteByte(VirtualPid);
                frame.WriteString(pid.Kind);
                frame.WriteString(pid.Key);
                break;
            default:
                frame.WriteByte(SpawnedPid);
                frame.WriteString(pid.Node.Value);
                frame.WriteInt64(pid.Creation);
                frame.WriteInt64(pid.Id);
                break;
        }
    }

    /// <summary>Reads a pid written by <see cref="WritePid"/>, attached to <paramref name="node"/>.</summary>
    /// <exception cref="FrameProtocolException">The bytes are not a pid.</exception>
    public static Pid? ReadPid(ref FrameReader reader, ProcessNode node)
    {
        Pid pid;
        switch (reader.ReadByte())
        {
            case NoPid:
                return null;
            case SpawnedPid:
                var nodeName = reader.ReadString();
                var creation = reader.ReadInt64();
                var id = reader.ReadInt64();
                if (!NodeName.TryParse(nodeName, out var parsed) || id < 1 || creation < 0)
                {
                    throw new FrameProtocolException($"A frame holds a malformed pid (node '{nodeName}', id {id}).");
                }
                pid = parsed == node.Node && creation == node.Creation && node.Table.Find(id) is { } local
                    ? local.Self
                    : Pid.ForSpawned(parsed, creation, id);
                break;
            case VirtualPid:
                var kind = reader.ReadString();
                var key = reader.ReadString();
                if (!Pid.IsValidKind(kind))
                {
                    throw new FrameProtocolException($"A frame holds a malformed virtual pid (kind '{kind}').");
                }
                pid = Pid.ForVirtual(kind, key);
                break;
            default:
                throw new FrameProtocolException("A frame holds a value that is not a pid.");
        }
        pid.Host ??= node;
        return pid;
    }

    /// <summary>Reads a pid that must be present.</summary>
    public static Pid ReadRequiredPid(ref FrameReader reader, ProcessNode node) =>
        ReadPid(ref reader, node) ?? throw new FrameProtocolException("A frame lacks a pid it must hold.");

    /// <summary>Writes an exit reason as its parts.</summary>
    public static void WriteReason(FrameBuilder frame, ExitReason reason)
    {
        frame.WriteByte((byte)reason.Kind);
        var flags = (byte)((reason.Detail is null ? 0 : 1) | (reason.ExceptionType is null ? 0 : 2));
        frame.WriteByte(flags);
        if (reason.Detail is not null)
        {
            frame.WriteString(Truncate(reason.Detail));
        }
        if (reason.ExceptionType is not null)
        {
            frame.WriteString(Truncate(reason.ExceptionType));
        }
    }

    /// <summary>Reads an exit reason.</summary>
    public static ExitReason ReadReason(ref FrameReader reader)
    {
        var kind = reader.ReadByte();
        var flags = reader.ReadByte();
        var detail = (flags & 1) != 0 ? reader.ReadString() : null;
        var type = (flags & 2) != 0 ? reader.ReadString() : null;
        if (!Enum.IsDefined((ExitReasonKind)kind))
        {
            return ExitReason.Custom(detail ?? $"unknown reason kind {kind}");
        }
        return ExitReason.FromParts((ExitReasonKind)kind, detail, type);
    }

    /// <summary>Writes a message as the last field of a frame.</summary>
    /// <exception cref="MessageSerializationException">The message cannot cross nodes (the frame must be released by the caller).</exception>
    public static void WriteMessage(FrameBuilder frame, MessageSerializer serializer, object message) => serializer.Serialize(frame, message);

    /// <summary>Reads the message that ends a frame.</summary>
    /// <exception cref="UnknownMessageTypeException">This node cannot load the message's type.</exception>
    /// <exception cref="System.Text.Json.JsonException">The bytes are not a message.</exception>
    public static object ReadMessage(ref FrameReader reader, MessageSerializer serializer) => serializer.Deserialize(reader.ReadRest());

    private static string Truncate(string text) => text.Length > 8000 ? text[..8000] : text;
}

using System.Buffers;
using System.Text;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Global;

/// <summary>
/// The frames between a node of a development cluster and its seed, which keeps the cluster's global table: requests
/// and their answers, and the seed's snapshot and changes for a subscribed node.
/// </summary>
/// <remarks>
/// <para>Layouts (<c>str</c> is a length-prefixed UTF-8 string, <c>opt</c> a byte 0/1 before a value that may be
/// absent, <c>pid</c> a pid as <see cref="WireFormat"/> writes it):</para>
/// <list type="bullet">
/// <item><see cref="FrameKind.GlobalRequest"/>: <c>correlation i64 | op u8 | body</c>, the body by operation:
/// Subscribe nothing; Claim <c>kind u8 | name str | pid | resolve opt str</c>; Replace <c>kind u8 | name str |
/// expected i64 | pid | resolve opt str</c>; Release <c>kind u8 | name str | pid (or none) | expected opt i64</c>;
/// ReleaseNode <c>node str | creation i64</c>.</item>
/// <item><see cref="FrameKind.GlobalAnswer"/>: <c>correlation i64 | ok u8</c>, then, when ok, <c>status u8 | holder
/// opt str | seq i64 | resolve opt str</c> (a <see cref="GlobalClaimOutcome"/>; for a release, granted means
/// released; for a replace, granted carries the new number), else <c>error str</c>.</item>
/// <item><see cref="FrameKind.GlobalSnapshot"/>: <c>subscription i64 | last u8 | (name str | pid str | seq i64 |
/// resolve opt str)*</c>: one part of the names held when the subscription began; a large snapshot comes in several
/// parts, the last one marked.</item>
/// <item><see cref="FrameKind.GlobalChange"/>: <c>subscription i64 | claimed u8 | kind u8 | seq i64 | pid str |
/// resolve opt str | name str</c>: one committed change.</item>
/// </list>
/// <para>A subscription is named by the correlation of its Subscribe request; its snapshot comes before the answer,
/// and its changes follow in commit order. A frame that does not parse is a protocol violation (its connection
/// closes); an operation the seed does not know is answered with an error.</para>
/// </remarks>
internal static class DevelopmentGlobalProtocol
{
    /// <summary>What a request asks the seed to do.</summary>
    public enum Operation : byte
    {
        /// <summary>Send the names held now, then every change (<see cref="IGlobalTable.Watch"/>).</summary>
        Subscribe = 1,

        /// <summary><see cref="IGlobalTable.ClaimAsync"/>.</summary>
        Claim = 2,

        /// <summary><see cref="IGlobalTable.ReplaceAsync"/>.</summary>
        Replace = 3,

        /// <summary><see cref="IGlobalTable.ReleaseAsync"/>.</summary>
        Release = 4,

        /// <summary><see cref="IGlobalTable.ReleaseNodeAsync"/>.</summary>
        ReleaseNode = 5,
    }

    /// <summary>A request as the seed reads it; the fields an operation does not use are empty.</summary>
    /// <param name="Correlation">Matches the answer to the request (and names a subscription).</param>
    /// <param name="Op">What to do.</param>
    /// <param name="Kind">A name or a lock.</param>
    /// <param name="Name">The name or locked resource.</param>
    /// <param name="Pid">The claimant, or the holder a release is limited to.</param>
    /// <param name="Resolve">The claim's resolve method.</param>
    /// <param name="ExpectedSeq">The claim number a replace or release is limited to.</param>
    /// <param name="Node">The node whose claims a release-node ends.</param>
    /// <param name="Creation">That node's creation.</param>
    public sealed record Request(long Correlation, Operation Op, GlobalKind Kind, string Name, Pid? Pid, string? Resolve, long? ExpectedSeq, NodeName Node, long Creation);

    /// <summary>An answer: the outcome, or why the seed could not do it.</summary>
    public readonly record struct Answer(long Correlation, GlobalClaimOutcome Outcome, string? Error);

    // ------------------------------------------------------------------------------------------------------------
    // Requests
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>A Subscribe request.</summary>
    public static FrameBuilder Subscribe(long correlation) => Start(correlation, Operation.Subscribe);

    /// <summary>A Claim request.</summary>
    public static FrameBuilder Claim(long correlation, GlobalKind kind, string name, Pid pid, string? resolve) => Build(correlation, Operation.Claim, frame =>
    {
        WriteTarget(frame, kind, name);
        WireFormat.WritePid(frame, pid);
        WriteOptional(frame, resolve);
    });

    /// <summary>A Replace request.</summary>
    public static FrameBuilder Replace(long correlation, GlobalKind kind, string name, long expectedSeq, Pid pid, string? resolve) => Build(correlation, Operation.Replace, frame =>
    {
        WriteTarget(frame, kind, name);
        frame.WriteInt64(expectedSeq);
        WireFormat.WritePid(frame, pid);
        WriteOptional(frame, resolve);
    });

    /// <summary>A Release request.</summary>
    public static FrameBuilder Release(long correlation, GlobalKind kind, string name, Pid? pid, long? expectedSeq) => Build(correlation, Operation.Release, frame =>
    {
        WriteTarget(frame, kind, name);
        WireFormat.WritePid(frame, pid);
        WriteOptional(frame, expectedSeq);
    });

    /// <summary>A ReleaseNode request.</summary>
    public static FrameBuilder ReleaseNode(long correlation, NodeName node, long creation) => Build(correlation, Operation.ReleaseNode, frame =>
    {
        frame.WriteString(node.Value);
        frame.WriteInt64(creation);
    });

    /// <summary>Reads only a request's correlation (to answer one this node cannot serve).</summary>
    /// <exception cref="FrameProtocolException">The frame is too short.</exception>
    public static long ReadCorrelation(ReadOnlySequence<byte> payload) => new FrameReader(payload).ReadInt64();

    /// <summary>Reads a request; an operation this node does not know comes back with only its correlation and code.</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed; the message says how.</exception>
    public static Request ReadRequest(ReadOnlySequence<byte> payload, ProcessNode node)
    {
        var reader = new FrameReader(payload);
        var correlation = reader.ReadInt64();
        var op = (Operation)reader.ReadByte();
        Request request;
        switch (op)
        {
            case Operation.Subscribe:
                request = Empty(correlation, op);
                break;
            case Operation.Claim:
                var (claimKind, claimName) = ReadTarget(ref reader);
                var claimant = WireFormat.ReadRequiredPid(ref reader, node);
                request = Empty(correlation, op) with { Kind = claimKind, Name = claimName, Pid = claimant, Resolve = ReadOptionalString(ref reader) };
                break;
            case Operation.Replace:
                var (replaceKind, replaceName) = ReadTarget(ref reader);
                var expected = reader.ReadInt64();
                var heir = WireFormat.ReadRequiredPid(ref reader, node);
                request = Empty(correlation, op) with { Kind = replaceKind, Name = replaceName, ExpectedSeq = expected, Pid = heir, Resolve = ReadOptionalString(ref reader) };
                break;
            case Operation.Release:
                var (releaseKind, releaseName) = ReadTarget(ref reader);
                var holder = WireFormat.ReadPid(ref reader, node);
                request = Empty(correlation, op) with { Kind = releaseKind, Name = releaseName, Pid = holder, ExpectedSeq = ReadOptionalInt64(ref reader) };
                break;
            case Operation.ReleaseNode:
                var text = reader.ReadString();
                if (!NodeName.TryParse(text, out var dead))
                {
                    throw new FrameProtocolException($"A global table request names a node '{text}' that is not a node name.");
                }
                request = Empty(correlation, op) with { Node = dead, Creation = reader.ReadInt64() };
                break;
            default:
                return Empty(correlation, op);
        }
        RequireEnd(ref reader, "request");
        return request;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Answers
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>The answer that a request was done, with its outcome.</summary>
    public static FrameBuilder Done(long correlation, GlobalClaimOutcome outcome)
    {
        var frame = FrameBuilder.Start(FrameKind.GlobalAnswer);
        frame.WriteInt64(correlation);
        frame.WriteByte(1);
        frame.WriteByte((byte)outcome.Status);
        WriteOptional(frame, outcome.HolderPid);
        frame.WriteInt64(outcome.Seq);
        WriteOptional(frame, outcome.HolderResolve);
        return frame;
    }

    /// <summary>The answer that a request could not be done, and why.</summary>
    public static FrameBuilder Failed(long correlation, string error)
    {
        var frame = FrameBuilder.Start(FrameKind.GlobalAnswer);
        frame.WriteInt64(correlation);
        frame.WriteByte(0);
        frame.WriteString(error);
        return frame;
    }

    /// <summary>Reads an answer.</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed.</exception>
    public static Answer ReadAnswer(ReadOnlySequence<byte> payload)
    {
        var reader = new FrameReader(payload);
        var correlation = reader.ReadInt64();
        Answer answer;
        switch (reader.ReadByte())
        {
            case 0:
                answer = new Answer(correlation, default, reader.ReadString());
                break;
            case 1:
                var status = reader.ReadByte();
                if (!Enum.IsDefined((GlobalClaimStatus)status))
                {
                    throw new FrameProtocolException($"A global table answer holds an unknown outcome {status}.");
                }
                var holder = ReadOptionalPidText(ref reader);
                var seq = reader.ReadInt64();
                answer = new Answer(correlation, new GlobalClaimOutcome((GlobalClaimStatus)status, holder, seq, ReadOptionalString(ref reader)), null);
                break;
            default:
                throw new FrameProtocolException("A global table answer is neither done nor failed.");
        }
        RequireEnd(ref reader, "answer");
        return answer;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Snapshots and changes
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Starts a part of the snapshot of <paramref name="subscription"/>; entries follow (<see cref="WriteSnapshotEntry"/>).</summary>
    public static FrameBuilder SnapshotPart(long subscription, bool last)
    {
        var frame = FrameBuilder.Start(FrameKind.GlobalSnapshot);
        frame.WriteInt64(subscription);
        frame.WriteByte(last ? (byte)1 : (byte)0);
        return frame;
    }

    /// <summary>Adds a held name to a snapshot part.</summary>
    public static void WriteSnapshotEntry(FrameBuilder frame, in GlobalChange claim)
    {
        frame.WriteString(claim.Name);
        frame.WriteString(claim.Pid);
        frame.WriteInt64(claim.Seq);
        WriteOptional(frame, claim.Resolve);
    }

    /// <summary>How many bytes <see cref="WriteSnapshotEntry"/> writes for <paramref name="claim"/>.</summary>
    public static int SnapshotEntrySize(in GlobalChange claim) =>
        2 + Encoding.UTF8.GetByteCount(claim.Name) + 2 + Encoding.UTF8.GetByteCount(claim.Pid) + sizeof(long) + 1
        + (claim.Resolve is { } resolve ? 2 + Encoding.UTF8.GetByteCount(resolve) : 0);

    /// <summary>Reads a part of a snapshot: its subscription, whether it is the last part, and its held names.</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed.</exception>
    public static (long Subscription, bool Last, List<GlobalChange> Claims) ReadSnapshotPart(ReadOnlySequence<byte> payload)
    {
        var reader = new FrameReader(payload);
        var subscription = reader.ReadInt64();
        var last = ReadFlag(ref reader, "snapshot");
        var claims = new List<GlobalChange>();
        while (!reader.End)
        {
            var name = reader.ReadString();
            var pid = ReadPidText(ref reader);
            var seq = reader.ReadInt64();
            claims.Add(new GlobalChange(true, GlobalKind.Name, name, pid, seq, ReadOptionalString(ref reader)));
        }
        return (subscription, last, claims);
    }

    /// <summary>One change for <paramref name="subscription"/>.</summary>
    public static FrameBuilder Change(long subscription, in GlobalChange change)
    {
        var frame = FrameBuilder.Start(FrameKind.GlobalChange);
        frame.WriteInt64(subscription);
        frame.WriteByte(change.Claimed ? (byte)1 : (byte)0);
        frame.WriteByte((byte)change.Kind);
        frame.WriteInt64(change.Seq);
        frame.WriteString(change.Pid);
        WriteOptional(frame, change.Resolve);
        frame.WriteString(change.Name);
        return frame;
    }

    /// <summary>Reads a change and its subscription.</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed.</exception>
    public static (long Subscription, GlobalChange Change) ReadChange(ReadOnlySequence<byte> payload)
    {
        var reader = new FrameReader(payload);
        var subscription = reader.ReadInt64();
        var claimed = ReadFlag(ref reader, "change");
        var kind = ReadKind(ref reader);
        var seq = reader.ReadInt64();
        var pid = ReadPidText(ref reader);
        var resolve = ReadOptionalString(ref reader);
        var name = reader.ReadString();
        RequireEnd(ref reader, "change");
        return (subscription, new GlobalChange(claimed, kind, name, pid, seq, resolve));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Fields
    // ------------------------------------------------------------------------------------------------------------

    private static Request Empty(long correlation, Operation op) => new(correlation, op, GlobalKind.Name, "", null, null, null, default, 0);

    private static FrameBuilder Start(long correlation, Operation op)
    {
        var frame = FrameBuilder.Start(FrameKind.GlobalRequest);
        frame.WriteInt64(correlation);
        frame.WriteByte((byte)op);
        return frame;
    }

    private static FrameBuilder Build(long correlation, Operation op, Action<FrameBuilder> body)
    {
        var frame = Start(correlation, op);
        try
        {
            body(frame);
        }
        catch
        {
            frame.Release();
            throw;
        }
        return frame;
    }

    private static void WriteTarget(FrameBuilder frame, GlobalKind kind, string name)
    {
        frame.WriteByte((byte)kind);
        frame.WriteString(name);
    }

    private static (GlobalKind Kind, string Name) ReadTarget(ref FrameReader reader) => (ReadKind(ref reader), reader.ReadString());

    private static GlobalKind ReadKind(ref FrameReader reader)
    {
        var kind = reader.ReadByte();
        return Enum.IsDefined((GlobalKind)kind)
            ? (GlobalKind)kind
            : throw new FrameProtocolException($"A global table frame holds an unknown kind {kind} (neither a name nor a lock).");
    }

    private static bool ReadFlag(ref FrameReader reader, string what) => reader.ReadByte() switch
    {
        0 => false,
        1 => true,
        var other => throw new FrameProtocolException($"A global table {what} holds {other} where a flag (0 or 1) belongs."),
    };

    private static void WriteOptional(FrameBuilder frame, string? value)
    {
        frame.WriteByte(value is null ? (byte)0 : (byte)1);
        if (value is not null)
        {
            frame.WriteString(value);
        }
    }

    private static void WriteOptional(FrameBuilder frame, long? value)
    {
        frame.WriteByte(value is null ? (byte)0 : (byte)1);
        if (value is { } present)
        {
            frame.WriteInt64(present);
        }
    }

    private static string? ReadOptionalString(ref FrameReader reader) => ReadFlag(ref reader, "field") ? reader.ReadString() : null;

    private static long? ReadOptionalInt64(ref FrameReader reader) => ReadFlag(ref reader, "field") ? reader.ReadInt64() : null;

    /// <summary>Reads a pid in text form, checked here so that a bad one closes the connection rather than failing its reader later.</summary>
    private static string ReadPidText(ref FrameReader reader)
    {
        var text = reader.ReadString();
        return Pid.TryParse(text, out _) ? text : throw new FrameProtocolException($"A global table frame holds '{text}' where a pid belongs.");
    }

    private static string? ReadOptionalPidText(ref FrameReader reader) => ReadFlag(ref reader, "field") ? ReadPidText(ref reader) : null;

    private static void RequireEnd(ref FrameReader reader, string what)
    {
        if (!reader.End)
        {
            throw new FrameProtocolException($"A global table {what} holds more bytes than its fields.");
        }
    }
}

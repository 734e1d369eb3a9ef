using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;

namespace ProcessGrid.Runtime.Transport;

/// <summary>
/// The opening of every connection: both sides prove they know the cluster cookie and say who they are, before any
/// traffic is read.
/// </summary>
/// <remarks>
/// <para>The exchange (each message one frame):</para>
/// <list type="number">
/// <item>Dialer → listener, <see cref="FrameKind.Hello"/>: protocol version, cluster id, identity, role, nonce D.</item>
/// <item>The listener checks version and cluster (else <see cref="FrameKind.Refuse"/>), then sends
/// <see cref="FrameKind.Challenge"/>: its identity, nonce L, and proof L = HMAC(cookie, "listener", D, L, cluster,
/// both identities).</item>
/// <item>The dialer checks proof L (else it refuses: the listener does not know the cookie), then sends
/// <see cref="FrameKind.Response"/>: proof D = HMAC(cookie, "dialer", L, D, cluster, both identities).</item>
/// <item>The listener checks proof D (else it refuses), asks the node whether to admit the peer (a dead generation,
/// a losing simultaneous connection), then sends <see cref="FrameKind.Accept"/> or <see cref="FrameKind.Refuse"/>.</item>
/// </list>
/// <para>A refusal carries the reason in words and a flag: set when the listener keeps a connection of its own to the
/// dialer (open, or being opened) under the one-connection-per-pair rule, so the dialer waits for that one rather than
/// giving up on the listener (Erlang's <c>nok</c> in a simultaneous connect).</para>
/// <para>Fresh random nonces on both sides make every proof single-use, and binding the identities and the cluster
/// into the proofs stops a proof from being replayed for another connection. Proofs are compared in constant time.</para>
/// </remarks>
internal static class Handshake
{
    /// <summary>The version of this protocol; a peer with another is refused.</summary>
    public const byte ProtocolVersion = 1;

    private const int NonceSize = 32;
    private const int ProofSize = 32;
    private const int MaxHandshakeFrame = 4096;

    /// <summary>Runs the dialer's side. Returns the listener's identity.</summary>
    /// <exception cref="HandshakeFailedException">The listener refused, could not prove the cookie, or broke the protocol.</exception>
    public static async Task<NodeIdentity> DialAsync(PipeReader input, PipeWriter output, HandshakeSettings settings, CancellationToken cancellationToken)
    {
        var nonceD = RandomNumberGenerator.GetBytes(NonceSize);
        var hello = FrameBuilder.Start(FrameKind.Hello);
        hello.WriteByte(ProtocolVersion);
        hello.WriteString(settings.ClusterId);
        WriteIdentity(hello, settings.Self);
        hello.WriteBytes(nonceD);
        await WriteAsync(output, hello, cancellationToken).ConfigureAwait(false);

        var (kind, payload) = await ReadAsync(input, cancellationToken).ConfigureAwait(false);
        if (kind == FrameKind.Refuse)
        {
            var refusal = ReadRefusal(payload);
            throw new HandshakeFailedException($"refused: {refusal.Reason}", refusal.Code);
        }
        Expect(kind, FrameKind.Challenge);
        NodeIdentity listener;
        var nonceL = new byte[NonceSize];
        var proofL = new byte[ProofSize];
        ParseChallenge(payload, out listener, nonceL, proofL);

        var expected = Proof(settings, "listener", nonceD, nonceL, settings.Self, listener);
        if (!CryptographicOperations.FixedTimeEquals(expected, proofL))
        {
            await RefuseAsync(output, Refusal.Other("you did not prove the cluster cookie"), cancellationToken).ConfigureAwait(false);
            throw new HandshakeFailedException($"{listener.Name} did not prove the cluster cookie (its cookie differs from this node's)");
        }

        var response = FrameBuilder.Start(FrameKind.Response);
        response.WriteBytes(Proof(settings, "dialer", nonceL, nonceD, settings.Self, listener));
        await WriteAsync(output, response, cancellationToken).ConfigureAwait(false);

        (kind, payload) = await ReadAsync(input, cancellationToken).ConfigureAwait(false);
        if (kind == FrameKind.Refuse)
        {
            var refusal = ReadRefusal(payload);
            throw new HandshakeFailedException($"{listener.Name} refused the connection: {refusal.Reason}", refusal.Code);
        }
        Expect(kind, FrameKind.Accept);
        return listener;
    }

    /// <summary>Runs the listener's side. Returns the dialer's identity.</summary>
    /// <param name="input">The connection's input.</param>
    /// <param name="output">The connection's output.</param>
    /// <param name="settings">This node's side.</param>
    /// <param name="admit">Decides whether an authenticated peer may connect: null, or the refusal.</param>
    /// <param name="cancellationToken">Ends the handshake (its timeout).</param>
    /// <exception cref="HandshakeFailedException">The dialer was refused, did not prove the cookie, or broke the protocol.</exception>
    public static async Task<NodeIdentity> ListenAsync(
        PipeReader input, PipeWriter output, HandshakeSettings settings, Func<NodeIdentity, Refusal?> admit, CancellationToken cancellationToken)
    {
        var (kind, payload) = await ReadAsync(input, cancellationToken).ConfigureAwait(false);
        Expect(kind, FrameKind.Hello);
        var nonceD = new byte[NonceSize];
        var (version, cluster, dialer) = ParseHello(payload, nonceD);
        if (version != ProtocolVersion)
        {
            await RefuseAsync(output, Refusal.Other($"protocol version {version} is not supported (this node speaks {ProtocolVersion})"), cancellationToken).ConfigureAwait(false);
            throw new HandshakeFailedException($"{dialer.Name} speaks protocol version {version}; this node speaks {ProtocolVersion}");
        }
        if (cluster != settings.ClusterId)
        {
            await RefuseAsync(output, Refusal.Other($"this node belongs to cluster '{settings.ClusterId}', not '{cluster}'"), cancellationToken).ConfigureAwait(false);
            throw new HandshakeFailedException($"{dialer.Name} belongs to cluster '{cluster}', not '{settings.ClusterId}'");
        }

        var nonceL = RandomNumberGenerator.GetBytes(NonceSize);
        var challenge = FrameBuilder.Start(FrameKind.Challenge);
        WriteIdentity(challenge, settings.Self);
        challenge.WriteBytes(nonceL);
        challenge.WriteBytes(Proof(settings, "listener", nonceD, nonceL, dialer, settings.Self));
        await WriteAsync(output, challenge, cancellationToken).ConfigureAwait(false);

        (kind, payload) = await ReadAsync(input, cancellationToken).ConfigureAwait(false);
        if (kind == FrameKind.Refuse)
        {
            throw new HandshakeFailedException($"{dialer.Name} refused: {ReadRefusal(payload).Reason}");
        }
        Expect(kind, FrameKind.Response);
        if (payload.Length != ProofSize)
        {
            throw new HandshakeFailedException($"malformed response: {payload.Length} bytes where a {ProofSize}-byte proof belongs");
        }
        var proofD = payload;
        if (!CryptographicOperations.FixedTimeEquals(Proof(settings, "dialer", nonceL, nonceD, dialer, settings.Self), proofD))
        {
            await RefuseAsync(output, Refusal.Other("you did not prove the cluster cookie"), cancellationToken).ConfigureAwait(false);
            throw new HandshakeFailedException($"{dialer.Name} did not prove the cluster cookie (its cookie differs from this node's)");
        }

        if (admit(dialer) is { } refusal)
        {
            await RefuseAsync(output, refusal, cancellationToken).ConfigureAwait(false);
            throw new HandshakeFailedException($"{dialer.Name} was not admitted: {refusal.Reason}");
        }
        await WriteAsync(output, FrameBuilder.Start(FrameKind.Accept), cancellationToken).ConfigureAwait(false);
        return dialer;
    }

    private static byte[] Proof(HandshakeSettings settings, string label, byte[] theirNonce, byte[] ourNonce, NodeIdentity dialer, NodeIdentity listener)
    {
        var text = Encoding.UTF8.GetBytes($"{label}\n{settings.ClusterId}\n{dialer.Name}\n{dialer.Creation}\n{listener.Name}\n{listener.Creation}\n");
        var data = new byte[text.Length + theirNonce.Length + ourNonce.Length];
        text.CopyTo(data, 0);
        theirNonce.CopyTo(data, text.Length);
        ourNonce.CopyTo(data, text.Length + theirNonce.Length);
        return HMACSHA256.HashData(settings.Key, data);
    }

    private static void WriteIdentity(FrameBuilder frame, NodeIdentity identity)
    {
        frame.WriteString(identity.Name.Value);
        frame.WriteInt64(identity.Creation);
        frame.WriteString(identity.Endpoint);
        frame.WriteByte((byte)identity.Role);
    }

    private static NodeIdentity ReadIdentity(ref FrameReader reader)
    {
        var name = reader.ReadString();
        var creation = reader.ReadInt64();
        var endpoint = reader.ReadString();
        var role = reader.ReadByte();
        if (!NodeName.TryParse(name, out var node))
        {
            throw new HandshakeFailedException($"the peer named itself '{name}', which is not a node name");
        }
        if (role is not ((byte)PeerRole.Node or (byte)PeerRole.Client))
        {
            throw new HandshakeFailedException($"the peer {name} announced an unknown role {role}");
        }
        return new NodeIdentity(node, creation, endpoint, (PeerRole)role);
    }

    private static (byte Version, string Cluster, NodeIdentity Dialer) ParseHello(byte[] payload, byte[] nonce)
    {
        try
        {
            var reader = new FrameReader(new ReadOnlySequence<byte>(payload));
            var version = reader.ReadByte();
            var cluster = reader.ReadString();
            var dialer = ReadIdentity(ref reader);
            reader.ReadBytes(nonce);
            return (version, cluster, dialer);
        }
        catch (FrameProtocolException e)
        {
            throw new HandshakeFailedException($"malformed hello: {e.Message}");
        }
    }

    private static void ParseChallenge(byte[] payload, out NodeIdentity listener, byte[] nonce, byte[] proof)
    {
        try
        {
            var reader = new FrameReader(new ReadOnlySequence<byte>(payload));
            listener = ReadIdentity(ref reader);
            reader.ReadBytes(nonce);
            reader.ReadBytes(proof);
        }
        catch (FrameProtocolException e)
        {
            throw new HandshakeFailedException($"malformed challenge: {e.Message}");
        }
    }

    private static Refusal ReadRefusal(byte[] payload)
    {
        try
        {
            var reader = new FrameReader(new ReadOnlySequence<byte>(payload));
            var code = reader.ReadByte();
            return new Refusal(Enum.IsDefined((RefusalCode)code) ? (RefusalCode)code : RefusalCode.Other, reader.ReadString());
        }
        catch (FrameProtocolException)
        {
            return Refusal.Other("(no reason given)");
        }
    }

    private static void Expect(FrameKind actual, FrameKind expected)
    {
        if (actual != expected)
        {
            throw new HandshakeFailedException($"expected a {expected} frame, got {(Enum.IsDefined(actual) ? actual : $"kind {(byte)actual}")}");
        }
    }

    private static async Task RefuseAsync(PipeWriter output, Refusal why, CancellationToken cancellationToken)
    {
        var refusal = FrameBuilder.Start(FrameKind.Refuse);
        refusal.WriteByte((byte)why.Code);
        refusal.WriteString(why.Reason.Length > 1000 ? why.Reason[..1000] : why.Reason);
        try
        {
            await WriteAsync(output, refusal, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The peer is already gone; the refusal was a courtesy.
        }
    }

    private static async Task WriteAsync(PipeWriter output, FrameBuilder frame, CancellationToken cancellationToken)
    {
        try
        {
            output.Write(frame.Complete(MaxHandshakeFrame));
        }
        finally
        {
            frame.Release();
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(FrameKind Kind, byte[] Payload)> ReadAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (FrameParser.TryRead(ref buffer, MaxHandshakeFrame, out var kind, out var payload))
                {
                    var bytes = payload.ToArray();
                    input.AdvanceTo(buffer.Start);
                    return (kind, bytes);
                }
            }
            catch (FrameProtocolException e)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                throw new HandshakeFailedException($"malformed handshake frame: {e.Message}");
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new HandshakeFailedException("the peer closed the connection during the handshake");
            }
        }
    }
}

/// <summary>This node's side of a handshake.</summary>
/// <param name="Self">Who this node is.</param>
/// <param name="ClusterId">The cluster it belongs to.</param>
/// <param name="Key">The cookie, as the HMAC key.</param>
internal sealed record HandshakeSettings(NodeIdentity Self, string ClusterId, byte[] Key);

/// <summary>A connection's handshake failed; the message says why in words fit for the log.</summary>
internal sealed class HandshakeFailedException(string message, RefusalCode code = RefusalCode.Other) : Exception(message)
{
    /// <summary>What the peer's refusal said, when it refused.</summary>
    public RefusalCode Code { get; } = code;

    /// <summary>True when the listener keeps a connection of its own to this node: wait for that one.</summary>
    public bool ListenerConnects => Code == RefusalCode.ListenerConnects;
}

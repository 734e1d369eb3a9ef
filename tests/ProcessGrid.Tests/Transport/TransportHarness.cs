using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Tests.Transport;

/// <summary>
/// A node's transport on loopback, with a handler that records what the transport reports: the transport is real
/// (Kestrel's socket listener, sockets, the handshake), only the node above it is replaced by a recorder.
/// </summary>
internal sealed class TransportHarness : ITransportHandler, IAsyncDisposable
{
    public ConcurrentQueue<string> Frames { get; } = new();

    public Inbox Events { get; } = new();

    /// <summary>The texts of frames handed back unsent, in the order the transport handed them back.</summary>
    public ConcurrentQueue<string> Unsent { get; } = new();

    public Func<NodeIdentity, string?> Admission { get; set; } = _ => null;

    public RefusalCode AdmissionCode { get; set; } = RefusalCode.Other;

    private TransportHarness(string name, string cluster, string cookie, TransportOptions? options, PeerRole role)
    {
        Transport = new ClusterTransport(
            new NodeIdentity(NodeName.Parse(name), 1, "", role),
            cluster,
            Encoding.UTF8.GetBytes(cookie),
            options ?? new TransportOptions(),
            this,
            TestLogging.Factory());
    }

    public ClusterTransport Transport { get; }

    public string Endpoint => Transport.Self.Endpoint;

    public static async Task<TransportHarness> StartAsync(
        string name, string cluster = "c", string cookie = "secret", TransportOptions? options = null, PeerRole role = PeerRole.Node)
    {
        var harness = new TransportHarness(name, cluster, cookie, options, role);
        await harness.Transport.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0), bound => $"127.0.0.1:{bound.Port}", TestContext.Current.CancellationToken);
        return harness;
    }

    public static FrameBuilder Text(string text)
    {
        var frame = FrameBuilder.Start(FrameKind.Message);
        frame.WriteString(text);
        return frame;
    }

    Refusal? ITransportHandler.Admit(NodeIdentity peer) => Admission(peer) is { } reason ? new Refusal(AdmissionCode, reason) : null;

    void ITransportHandler.OnConnected(PeerConnection connection) => Events.Post(new Connected(connection));

    void ITransportHandler.OnDisconnected(PeerConnection connection, DisconnectReason reason) => Events.Post(new Disconnected(connection, reason));

    void ITransportHandler.OnUnsent(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload)
    {
        var reader = new FrameReader(payload);
        Unsent.Enqueue(reader.ReadString());
    }

    bool ITransportHandler.OnFrame(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload)
    {
        if (kind != FrameKind.Message)
        {
            return false;
        }
        var reader = new FrameReader(payload);
        Frames.Enqueue(reader.ReadString());
        return true;
    }

    public ValueTask DisposeAsync() => Transport.DisposeAsync();

    public sealed record Connected(PeerConnection Connection);

    public sealed record Disconnected(PeerConnection Connection, DisconnectReason Reason);

}

using System.Buffers;

namespace ProcessGrid.Runtime.Transport;

/// <summary>What the node does with connections and the traffic on them (the transport knows frames, not processes).</summary>
internal interface ITransportHandler
{
    /// <summary>
    /// Decides whether a peer that has proven the cookie may connect (for example, a node the cluster has declared dead
    /// may not). Returns null to accept, or the refusal, which the peer is told: it logs the reason and acts on the code.
    /// </summary>
    Refusal? Admit(NodeIdentity peer);

    /// <summary>A connection finished its handshake and is open for traffic.</summary>
    void OnConnected(PeerConnection connection);

    /// <summary>An open connection closed. Called once per connection.</summary>
    void OnDisconnected(PeerConnection connection, DisconnectReason reason);

    /// <summary>
    /// A frame queued on a connection was not sent because the connection closed first (once per frame, in queue
    /// order; the payload is valid only during the call): the node accounts for what it carried (a message becomes a
    /// dead letter).
    /// </summary>
    void OnUnsent(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload);

    /// <summary>
    /// A data frame arrived. Called on the connection's reader, in arrival order; the payload is valid only during the
    /// call. Must not block. Returns false for a kind it does not know, which closes the connection as a protocol violation.
    /// </summary>
    bool OnFrame(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload);
}

using System.Buffers;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Distribution;

/// <summary>What the distribution layer needs from membership: where nodes are, who may connect, and its own traffic.</summary>
internal interface IMembershipView
{
    /// <summary>The address of the member named <paramref name="node"/>, or null when it is not a live member.</summary>
    string? EndpointOf(NodeName node);

    /// <summary>True when the table has a row for <paramref name="node"/>, whatever its status (a client never has one).</summary>
    bool IsMember(NodeName node);

    /// <summary>Null when <paramref name="peer"/> may connect; otherwise the refusal (for example, it was declared dead).</summary>
    Refusal? RefusalFor(NodeIdentity peer);

    /// <summary>
    /// A peer refused this node because, in its view of the table, this node was declared dead (or replaced by a newer
    /// creation): the peer proved the cookie, so this node takes its word and stops.
    /// </summary>
    void OnRefusedAsDead(string peerEndpoint, string reason);

    /// <summary>The connection to <paramref name="node"/> was lost: a strong hint that it may be dead, to follow up at once.</summary>
    void OnConnectionLost(NodeName node);

    /// <summary>Handles a membership frame (gossip, requests to a development table). False for a kind it does not know.</summary>
    bool OnFrame(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload);
}

namespace ProcessGrid.Runtime.Transport;

/// <summary>Why a connection closed.</summary>
internal enum DisconnectReason
{
    /// <summary>The peer closed it, or its process died (the socket closed).</summary>
    ClosedByPeer,

    /// <summary>Reading or writing failed (a network error, a reset).</summary>
    NetworkError,

    /// <summary>The peer broke the protocol (a malformed or oversized frame).</summary>
    ProtocolViolation,

    /// <summary>This node closed it (stopping, a duplicate connection, a peer declared dead, <c>Disconnect</c>).</summary>
    ClosedLocally,
}

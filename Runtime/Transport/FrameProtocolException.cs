namespace ProcessGrid.Runtime.Transport;

/// <summary>A peer sent something the protocol does not allow (a malformed, truncated or oversized frame): its connection is closed.</summary>
internal sealed class FrameProtocolException(string message) : Exception(message);

namespace ProcessGrid.Runtime.Transport;

/// <summary>What is at the other end of a connection: a node of the cluster, or a client (like an Erlang hidden node).</summary>
internal enum PeerRole : byte
{
    /// <summary>A member node.</summary>
    Node = 1,

    /// <summary>A client: it reaches the grid through this node and is not a member.</summary>
    Client = 2,
}

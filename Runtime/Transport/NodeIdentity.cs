namespace ProcessGrid.Runtime.Transport;

/// <summary>Who a party of a connection is: its name, its creation, where it can be reached, and its role.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="Creation">The node's creation; a restarted node is a new identity.</param>
/// <param name="Endpoint">The address it advertises, <c>host:port</c> (empty for a client).</param>
/// <param name="Role">Node or client.</param>
internal sealed record NodeIdentity(NodeName Name, long Creation, string Endpoint, PeerRole Role)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} (creation {Creation}, {Endpoint})";
}

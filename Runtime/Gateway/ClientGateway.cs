using System.Collections.Concurrent;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Membership;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Gateway;

/// <summary>
/// A node's side of the client protocol (Orleans' gateway): it tells a client the cluster view when the client
/// subscribes, and every newer view the node adopts afterwards, so that the client always knows which nodes are
/// active and where they listen.
/// </summary>
/// <remarks>
/// <para><b>Protocol.</b></para>
/// <list type="bullet">
/// <item>Client → node, <see cref="FrameKind.ClusterViewSubscribe"/> (no payload): from now on, this node is one of the
/// client's gateways.</item>
/// <item>Node → client, <see cref="FrameKind.ClusterView"/>: the node's membership view (every row of the table, with
/// its version), at once, and again each time the node adopts a newer one, while the connection is open.</item>
/// </list>
/// <para><b>Invariants.</b> A view carries the table's version, and every node reads the same table, so a client keeps
/// the newest view whichever node sent it and ignores an older one that arrives late (views are published from more
/// than one thread, and a subscription can race a publication). A subscriber misses no view: it is registered before
/// the current view is read, and a publication reads the subscribers after it has adopted its view.</para>
/// <para><b>What a gateway does not do.</b> It relays no traffic: a client dials every node it talks to (see
/// <see cref="GatewayManager"/>), and the node's distribution layer treats the client as any other peer, except that
/// it is no member: membership never probes it, votes on it or lists it, and node monitors do not hear of it.</para>
/// </remarks>
internal sealed class ClientGateway(NodeDistribution distribution)
{
    /// <summary>The connections of clients that subscribed; closed ones are dropped at the next publication.</summary>
    private readonly ConcurrentDictionary<PeerConnection, byte> _subscribers = new();

    /// <summary>How many clients follow the cluster view through this node.</summary>
    public int SubscriberCount => _subscribers.Keys.Count(c => c.IsOpen);

    /// <summary>Subscribes the peer at <paramref name="connection"/> and sends it <paramref name="currentView"/>.</summary>
    /// <param name="connection">The client's connection.</param>
    /// <param name="currentView">Reads the node's view; called after the subscriber is registered.</param>
    public void Subscribe(PeerConnection connection, Func<MembershipTableData> currentView)
    {
        _subscribers[connection] = 0;
        Send(connection, currentView());
    }

    /// <summary>Sends a view the node has just adopted to every subscriber.</summary>
    public void Publish(MembershipTableData view)
    {
        foreach (var connection in _subscribers.Keys)
        {
            if (!connection.IsOpen)
            {
                _subscribers.TryRemove(connection, out _);
                continue;
            }
            Send(connection, view);
        }
    }

    private void Send(PeerConnection connection, MembershipTableData view)
    {
        var frame = FrameBuilder.Start(FrameKind.ClusterView);
        try
        {
            distribution.Serializer.Serialize(frame, view);
        }
        catch
        {
            frame.Release();
            throw;
        }
        if (!connection.Send(frame))
        {
            frame.Release();
            _subscribers.TryRemove(connection, out _);
        }
    }
}

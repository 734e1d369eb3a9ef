using System.Collections.Concurrent;
using ProcessGrid.Runtime.Cluster;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Gateway;

/// <summary>
/// Probes the clients connected to this node. Membership watches members only, so without this a client that vanished
/// without closing its connections (its machine lost power, its network was cut, its process froze) would hold its
/// links, monitors and the messages queued for it on every node forever.
/// </summary>
/// <remarks>
/// <para>Every probe period the node pings each client connection, as it pings members; any traffic from the client
/// counts as an answer. After <see cref="MembershipOptions.NumMissedProbesLimit"/> misses in a row the node closes the
/// connection, and its session with the client ends as for any lost connection: links and monitors held by the
/// client's processes fire with <c>noconnection</c>, calls the client was waiting for are dropped.</para>
/// <para>Nothing is voted on or written anywhere: a client is no member, and a client that is alive simply connects
/// again.</para>
/// </remarks>
internal sealed partial class ClientHealthMonitor(ClusterTransport transport, MembershipOptions options, ILogger logger)
{
    /// <summary>Consecutive missed probes per client connection.</summary>
    private readonly ConcurrentDictionary<PeerConnection, int> _missed = new();

    /// <summary>Probes every client connection once; completes when each has answered or timed out.</summary>
    public Task ProbeAsync()
    {
        foreach (var closed in _missed.Keys.Where(connection => !connection.IsOpen))
        {
            _missed.TryRemove(closed, out _);
        }
        return Task.WhenAll(transport.Connections.Where(c => c.Remote.Role == PeerRole.Client).Select(ProbeOnceAsync));
    }

    private async Task ProbeOnceAsync(PeerConnection connection)
    {
        if (await connection.PingAsync(options.ProbeTimeout).ConfigureAwait(false))
        {
            _missed.TryRemove(connection, out _);
            return;
        }
        if (!connection.IsOpen)
        {
            return;
        }
        var missed = _missed.AddOrUpdate(connection, 1, static (_, count) => count + 1);
        if (missed < options.NumMissedProbesLimit)
        {
            return;
        }
        _missed.TryRemove(connection, out _);
        LogUnresponsive(logger, connection.Remote.Name, missed);
        connection.Close(DisconnectReason.ClosedLocally, $"the client answered none of {missed} probes in a row");
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning, Message = "Client {Client} answered none of {Missed} probes in a row: closing its connection, which ends its session here")]
    private static partial void LogUnresponsive(ILogger logger, NodeName client, int missed);
}

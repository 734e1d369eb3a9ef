using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Distribution;

/// <summary>
/// The way a node of a development cluster reaches its seed (the node at <c>ProcessGrid:Cluster:Join</c>, which keeps
/// the cluster's membership and global tables in its memory). Shared by the parts that talk to the seed, so that they
/// use one connection: two of them dialing the address at once, before either knows the seed's name, would open two
/// connections, and the second would replace (close) the first under the other's requests.
/// </summary>
internal sealed class SeedConnection(ClusterTransport transport, string endpoint)
{
    /// <summary>Lets one dial at a time; the others then find its connection open.</summary>
    private readonly SemaphoreSlim _dialing = new(1, 1);

    /// <summary>The last connection found or opened: its peer is the seed, so later lookups are by name.</summary>
    private volatile PeerConnection? _last;

    /// <summary>The seed's address, as configured.</summary>
    public string Endpoint => endpoint;

    /// <summary>The seed's name once it has been reached, else null.</summary>
    public NodeName? Name => _last?.Remote.Name;

    /// <summary>The open connection to the seed, dialed if there is none.</summary>
    /// <exception cref="ConnectFailedException">The seed cannot be reached, or refused this node; the message says which.</exception>
    public async Task<PeerConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Open() is { } open)
        {
            return open;
        }
        await _dialing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Open() is { } opened)
            {
                return opened;
            }
            var connection = await transport.ConnectAsync(endpoint, Name, cancellationToken).ConfigureAwait(false);
            _last = connection;
            return connection;
        }
        finally
        {
            _dialing.Release();
        }
    }

    /// <summary>The open connection to the seed (perhaps one the seed opened), or null.</summary>
    private PeerConnection? Open() => _last switch
    {
        { IsOpen: true } last => last,
        { } last when transport.Find(last.Remote.Name) is { } current => _last = current,
        _ => null,
    };
}

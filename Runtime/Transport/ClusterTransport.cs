using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace ProcessGrid.Runtime.Transport;

/// <summary>
/// The node's connections to other nodes: it listens with Kestrel's socket transport (this class is the Kestrel
/// <see cref="ConnectionHandler"/> for inbound connections), dials with sockets, runs the handshake on both, and keeps
/// at most one open connection per peer.
/// </summary>
/// <remarks>
/// <para><b>One connection per pair.</b> When two nodes dial each other at the same moment, or a peer dials while a
/// connection to it exists, the listener decides at the end of the handshake, and both sides reach the same answer:
/// a newer creation of the peer replaces an older one; a connection this node opened and the peer accepted is kept
/// (the peer started its dial before it had adopted that one); while both are still dialing, the connection opened by
/// the node whose name sorts first wins; in every other case the new connection replaces the old one (the peer has
/// given up on it). A dialer refused in favour of a connection the listener keeps (Erlang's <c>nok</c>) stops
/// counting as dialing, waits for that connection and returns it, so that a simultaneous connect costs neither side
/// its traffic. The dialer adopts its connection only once accepted, and a replaced connection is closed after its
/// successor is registered, so the handler can tell a replacement from a loss.</para>
/// <para><b>Failures.</b> A peer that does not prove the cookie, belongs to another cluster, times out in the handshake
/// or sends a malformed frame is logged and disconnected; nothing else is disturbed.</para>
/// </remarks>
internal sealed partial class ClusterTransport : ConnectionHandler, IAsyncDisposable
{
    private readonly ConcurrentDictionary<NodeName, PeerConnection> _connections = new();
    private readonly ConcurrentDictionary<NodeName, int> _dialing = new();
    private readonly ConcurrentDictionary<NodeName, TaskCompletionSource> _arrivals = new();
    private readonly ConcurrentDictionary<PeerConnection, byte> _all = new();
    private readonly SocketConnectionContextFactory _outboundFactory;
    private readonly ILoggerFactory _loggerFactory;
    private readonly CancellationTokenSource _stopping = new();
    private IConnectionListener? _listener;
    private Task? _acceptLoop;
    private HandshakeSettings _settings;
    private int _disposed;

    public ClusterTransport(NodeIdentity self, string clusterId, byte[] cookieKey, TransportOptions options, ITransportHandler handler, ILoggerFactory loggerFactory)
    {
        _settings = new HandshakeSettings(self, clusterId, cookieKey);
        Options = options;
        Handler = handler;
        _loggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger("ProcessGrid.Transport");
        _outboundFactory = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions { UnsafePreferInlineScheduling = true }, Logger);
    }

    /// <summary>Who this node is to its peers.</summary>
    public NodeIdentity Self => _settings.Self;

    /// <summary>The transport's settings.</summary>
    public TransportOptions Options { get; }

    /// <summary>Where traffic and connection events go.</summary>
    public ITransportHandler Handler { get; }

    internal ILogger Logger { get; }

    /// <summary>True once this node accepts connections (a client never does).</summary>
    public bool IsListening => _listener is not null;

    /// <summary>The open connections, one per peer.</summary>
    public IEnumerable<PeerConnection> Connections => _connections.Values.Where(c => c.IsOpen);

    /// <summary>The open connection to <paramref name="node"/>, or null.</summary>
    public PeerConnection? Find(NodeName node) => _connections.TryGetValue(node, out var connection) && connection.IsOpen ? connection : null;

    /// <summary>
    /// Starts accepting connections at <paramref name="endpoint"/> (port 0 picks a free port) and returns the bound
    /// address. When <paramref name="advertise"/> is given, this node's identity advertises it instead of the bound one.
    /// </summary>
    /// <exception cref="IOException">The address cannot be bound (in use, not local): the message says which.</exception>
    public async Task<IPEndPoint> ListenAsync(IPEndPoint endpoint, Func<IPEndPoint, string> advertise, CancellationToken cancellationToken)
    {
        var factory = new SocketTransportFactory(Microsoft.Extensions.Options.Options.Create(new SocketTransportOptions { NoDelay = true, UnsafePreferInlineScheduling = true }), _loggerFactory);
        try
        {
            _listener = await factory.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or AddressInUseException or IOException)
        {
            throw new IOException($"Cannot listen at {endpoint}: {e.Message}. Choose another address with ProcessGrid:Cluster:Listen (--listen).", e);
        }
        var bound = (IPEndPoint)_listener.EndPoint;
        _settings = _settings with { Self = _settings.Self with { Endpoint = advertise(bound) } };
        _acceptLoop = Task.Run(AcceptLoopAsync);
        LogListening(Logger, bound, Self.Endpoint);
        return bound;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            ConnectionContext? context;
            try
            {
                context = await _listener!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (context is null)
            {
                return; // The listener was unbound.
            }
            _ = Task.Run(() => OnConnectedAsync(context));
        }
    }

    /// <summary>Runs an inbound connection: the listener's handshake, then traffic until it closes.</summary>
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        NodeIdentity peer;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
        {
            timeout.CancelAfter(Options.HandshakeTimeout);
            try
            {
                peer = await Handshake.ListenAsync(connection.Transport.Input, connection.Transport.Output, _settings, Admit, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HandshakeFailedException or OperationCanceledException or IOException or ConnectionResetException or InvalidOperationException)
            {
                var why = e is OperationCanceledException ? $"no complete handshake within {Options.HandshakeTimeout}" : e.Message;
                LogInboundRefused(Logger, connection.RemoteEndPoint?.ToString() ?? "?", why);
                await connection.DisposeAsync().ConfigureAwait(false);
                return;
            }
        }
        var open = Adopt(connection, peer, isInitiator: false);
        await open.Closed.ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a connection to the node at <paramref name="endpoint"/> (or returns the open one to <paramref name="expected"/>).
    /// With <paramref name="expected"/> given, the node found there must have that name.
    /// </summary>
    /// <exception cref="ConnectFailedException">No connection: unreachable, refused, handshake failed. The message says which.</exception>
    public async Task<PeerConnection> ConnectAsync(string endpoint, NodeName? expected, CancellationToken cancellationToken)
    {
        var (host, port) = ParseEndpoint(endpoint);
        // Counted as dialing before looking for an open connection: a connection the peer opens meanwhile is either
        // found here or, if it arrives later, refused by this node's listener in favour of this dial.
        var dialing = expected is { } dialed && _dialing.AddOrUpdate(dialed, 1, (_, count) => count + 1) > 0;
        void StopDialing()
        {
            if (dialing)
            {
                dialing = false;
                _dialing.AddOrUpdate(expected!.Value, 0, (_, count) => count - 1);
            }
        }
        try
        {
            if (expected is { } name && Find(name) is { } existing)
            {
                return existing;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            timeout.CancelAfter(Options.ConnectTimeout + Options.HandshakeTimeout);
            ConnectionContext context;
            try
            {
                var socket = await DialAsync(host, port, timeout.Token).ConfigureAwait(false);
                context = _outboundFactory.Create(socket);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                throw new ConnectFailedException(endpoint, e is OperationCanceledException ? $"no answer within {Options.ConnectTimeout}" : e.Message, e);
            }
            NodeIdentity peer;
            try
            {
                peer = await Handshake.DialAsync(context.Transport.Input, context.Transport.Output, _settings, timeout.Token).ConfigureAwait(false);
            }
            catch (HandshakeFailedException e) when (e.ListenerConnects && expected is { } peerName)
            {
                // The peer keeps the connection it opened to this node: that one is (about to be) adopted here. This
                // node no longer dials meanwhile, so that its listener admits the peer's connection if it must reopen it.
                await context.DisposeAsync().ConfigureAwait(false);
                StopDialing();
                return await AwaitConnectionAsync(peerName, timeout.Token).ConfigureAwait(false)
                    ?? throw new ConnectFailedException(endpoint, $"{e.Message}, but that connection did not open in time");
            }
            catch (Exception e) when (e is HandshakeFailedException or OperationCanceledException or IOException or ConnectionResetException or InvalidOperationException)
            {
                await context.DisposeAsync().ConfigureAwait(false);
                var why = e is OperationCanceledException ? $"no complete handshake within {Options.HandshakeTimeout}" : e.Message;
                LogOutboundFailed(Logger, endpoint, why);
                throw new ConnectFailedException(endpoint, why, e, (e as HandshakeFailedException)?.Code ?? RefusalCode.Other);
            }
            if (expected is { } wanted && peer.Name != wanted)
            {
                await context.DisposeAsync().ConfigureAwait(false);
                throw new ConnectFailedException(endpoint, $"expected {wanted} there, found {peer.Name}");
            }
            var open = Adopt(context, peer, isInitiator: true);
            _ = open.Closed.ContinueWith(_ => context.DisposeAsync().AsTask(), TaskScheduler.Default);
            return open;
        }
        finally
        {
            StopDialing();
        }
    }

    private static async Task<Socket> DialAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>The listener's decision on an authenticated peer: the node's policy, then the one-connection-per-pair rule.</summary>
    private Refusal? Admit(NodeIdentity peer)
    {
        if (Handler.Admit(peer) is { } refusal)
        {
            return refusal;
        }
        var weWin = string.CompareOrdinal(Self.Name.Value, peer.Name.Value) < 0;
        if (_connections.TryGetValue(peer.Name, out var existing) && existing.IsOpen)
        {
            if (existing.Remote.Creation > peer.Creation)
            {
                return new Refusal(RefusalCode.DeclaredDead, $"a newer creation of {peer.Name} ({existing.Remote.Creation}) is connected");
            }
            if (existing.Remote.Creation == peer.Creation && existing.IsInitiator)
            {
                // The peer accepted this node's connection (it is open here only once accepted) and dials anyway: it
                // had not adopted that one yet when it started. Keep the one already carrying traffic.
                return new Refusal(RefusalCode.ListenerConnects, "a connection between these nodes, opened by this node, exists and is kept");
            }
        }
        else if (weWin && _dialing.TryGetValue(peer.Name, out var dialing) && dialing > 0)
        {
            return new Refusal(RefusalCode.ListenerConnects, "both nodes are connecting; the connection opened by the node whose name sorts first is kept");
        }
        return null;
    }

    /// <summary>Waits until a connection with <paramref name="peer"/> is open (one it opened to this node); null if none opens in time.</summary>
    public async Task<PeerConnection?> AwaitConnectionAsync(NodeName peer, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Registered before looking, and signalled by Adopt after registering the connection: none slips between.
            var arrival = _arrivals.GetOrAdd(peer, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (Find(peer) is { } open)
            {
                return open;
            }
            try
            {
                await arrival.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    /// <summary>Registers a connection that finished its handshake, replacing an older one to the same peer.</summary>
    private PeerConnection Adopt(ConnectionContext context, NodeIdentity peer, bool isInitiator)
    {
        var connection = new PeerConnection(context, peer, isInitiator, this);
        _all[connection] = 0;
        PeerConnection? replaced = null;
        _connections.AddOrUpdate(peer.Name, connection, (_, old) =>
        {
            replaced = old;
            return connection;
        });
        connection.Start();
        LogConnected(Logger, peer, isInitiator ? "outbound" : "inbound");
        Handler.OnConnected(connection);
        if (_arrivals.TryRemove(peer.Name, out var arrival))
        {
            arrival.TrySetResult();
        }
        replaced?.Close(DisconnectReason.ClosedLocally, $"replaced by a new connection with {peer.Name}");
        if (_stopping.IsCancellationRequested)
        {
            connection.Close(DisconnectReason.ClosedLocally);
        }
        return connection;
    }

    /// <summary>Called once by a connection that closed.</summary>
    internal void OnClosed(PeerConnection connection, DisconnectReason reason)
    {
        _all.TryRemove(connection, out _);
        _connections.TryRemove(new KeyValuePair<NodeName, PeerConnection>(connection.Remote.Name, connection));
        Handler.OnDisconnected(connection, reason);
    }

    /// <summary>Closes the connection to <paramref name="node"/>, if any (Erlang's <c>disconnect_node</c>).</summary>
    public bool Disconnect(NodeName node, string why)
    {
        if (Find(node) is not { } connection)
        {
            return false;
        }
        connection.Close(DisconnectReason.ClosedLocally, why);
        return true;
    }

    /// <summary>Splits <c>host:port</c> (IPv6 literals in brackets).</summary>
    /// <exception cref="ArgumentException">The text is not <c>host:port</c>.</exception>
    public static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || colon == endpoint.Length - 1 || !int.TryParse(endpoint.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw new ArgumentException($"'{endpoint}' is not an address: write it as host:port, for example 127.0.0.1:4370.");
        }
        var host = endpoint[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        return (host, port);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping.Cancel();
        if (_listener is not null)
        {
            await _listener.UnbindAsync().ConfigureAwait(false);
            if (_acceptLoop is not null)
            {
                await _acceptLoop.ConfigureAwait(false);
            }
            await _listener.DisposeAsync().ConfigureAwait(false);
        }
        // Let each connection write what is queued (the last membership update, replies) before it closes.
        await Task.WhenAll(_all.Keys.Select(connection => connection.CloseGracefullyAsync(Options.HandshakeTimeout))).ConfigureAwait(false);
        _outboundFactory.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Listening for nodes at {Bound}, advertised as {Advertised}")]
    private static partial void LogListening(ILogger logger, IPEndPoint bound, string advertised);

    [LoggerMessage(EventId = 501, Level = LogLevel.Debug, Message = "Connected with {Peer} ({Direction})")]
    private static partial void LogConnected(ILogger logger, NodeIdentity peer, string direction);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "Refused a connection from {Remote}: {Why}")]
    private static partial void LogInboundRefused(ILogger logger, string remote, string why);

    [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "Could not connect to {Endpoint}: {Why}")]
    private static partial void LogOutboundFailed(ILogger logger, string endpoint, string why);
}

/// <summary>A connection to another node could not be opened; the message says where and why.</summary>
internal sealed class ConnectFailedException(string endpoint, string why, Exception? inner = null, RefusalCode code = RefusalCode.Other)
    : Exception($"Cannot connect to {endpoint}: {why}", inner)
{
    /// <summary>Where the connection was tried.</summary>
    public string Endpoint { get; } = endpoint;

    /// <summary>What the listener's refusal said, when it refused.</summary>
    public RefusalCode Code { get; } = code;
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>
/// A fault-injecting TCP proxy on loopback in front of one node's port: every connection to the node goes through it
/// (the node advertises the proxy's address). It reads the dialer's name from the handshake's first frame, so a
/// <see cref="NetworkPartition"/> can cut every link of one node — the ones it dials and the ones dialed to it —
/// without network namespaces or addresses outside 127.0.0.0/8. In front of a server only one node dials (its own
/// proxy to the database), the dialer is known beforehand and the bytes are relayed as they come.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly NodeName _target;
    private readonly NetworkPartition _partition;
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly NodeName? _onlyDialer;
    private readonly Task _accepting;

    /// <summary>
    /// Starts a proxy for node <paramref name="target"/>, which listens on loopback port <paramref name="targetPort"/>;
    /// with <paramref name="onlyDialer"/>, a proxy that only that node dials (such as its way to a database named by
    /// <paramref name="target"/>), whose connections carry no handshake to read.
    /// </summary>
    public FaultProxy(NodeName target, int targetPort, NetworkPartition partition, NodeName? onlyDialer = null)
    {
        _onlyDialer = onlyDialer;
        _target = target;
        _targetPort = targetPort;
        _partition = partition;
        _listener.Start();
        partition.Add(this);
        _accepting = AcceptLoopAsync();
    }

    /// <summary>The address the node advertises: the proxy's.</summary>
    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>A free loopback port for a node to listen on behind a proxy.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Closes every link that touches a node now isolated by the partition.</summary>
    internal void Enforce()
    {
        foreach (var link in _links.Keys)
        {
            if (_partition.Separates(link.Dialer, _target))
            {
                link.Close();
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var link = new Link(client, server);
        try
        {
            var (dialer, first) = _onlyDialer is { } known ? (known, []) : await ReadDialerAsync(client);
            link.Dialer = dialer;
            if (_partition.Separates(dialer, _target))
            {
                return; // Cut off: the dialer sees its connection closed at once, as with a dead link.
            }
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stopping.Token);
            _links[link] = 0;
            if (_partition.Separates(dialer, _target))
            {
                return; // Cut while connecting.
            }
            if (first.Length > 0)
            {
                await server.SendAsync(first, SocketFlags.None, _stopping.Token);
            }
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException or FrameProtocolException)
        {
            // The link failed or was cut: closing both sides below is all there is to do.
        }
        finally
        {
            _links.TryRemove(link, out _);
            link.Close();
        }
    }

    /// <summary>Reads up to the end of the dialer's first frame (the handshake's hello) and returns its node name and those bytes.</summary>
    private async Task<(NodeName Dialer, byte[] Bytes)> ReadDialerAsync(Socket client)
    {
        var received = new List<byte>();
        var chunk = new byte[4096];
        while (true)
        {
            var count = await client.ReceiveAsync(chunk, SocketFlags.None, _stopping.Token);
            if (count == 0)
            {
                throw new IOException("The dialer closed before its hello.");
            }
            received.AddRange(chunk.AsSpan(0, count));
            var buffer = new ReadOnlySequence<byte>(received.ToArray());
            if (FrameParser.TryRead(ref buffer, 1 << 20, out var kind, out var payload))
            {
                if (kind != FrameKind.Hello)
                {
                    throw new IOException($"The first frame was {kind}, not a hello.");
                }
                var reader = new FrameReader(payload);
                reader.ReadByte(); // protocol version
                reader.ReadString(); // cluster id
                return (NodeName.Parse(reader.ReadString()), received.ToArray());
            }
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var count = await from.ReceiveAsync(buffer, SocketFlags.None);
            if (count == 0)
            {
                return;
            }
            await to.SendAsync(buffer.AsMemory(0, count), SocketFlags.None);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        foreach (var link in _links.Keys)
        {
            link.Close();
        }
        await _accepting;
        _stopping.Dispose();
    }

    /// <summary>One relayed connection: the dialer's socket and the one to the node.</summary>
    private sealed class Link(Socket client, Socket server)
    {
        public NodeName? Dialer { get; set; }

        public void Close()
        {
            // Reset rather than close gracefully: what a failed link looks like to both ends.
            foreach (var socket in new[] { client, server })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
                catch (ObjectDisposedException)
                {
                    // Already closed by the other direction.
                }
            }
        }
    }
}

/// <summary>Which nodes are cut off from the rest, enforced by the <see cref="FaultProxy"/> in front of every node.</summary>
public sealed class NetworkPartition
{
    private readonly ConcurrentDictionary<NodeName, byte> _isolated = new();
    private readonly ConcurrentBag<FaultProxy> _proxies = [];

    /// <summary>Cuts every link between <paramref name="node"/> and the other nodes, now and until <see cref="Heal"/>.</summary>
    public void Isolate(NodeName node)
    {
        _isolated[node] = 0;
        foreach (var proxy in _proxies)
        {
            proxy.Enforce();
        }
    }

    /// <summary>Lets every node reach every other again.</summary>
    public void Heal() => _isolated.Clear();

    /// <summary>True when a link between <paramref name="a"/> and <paramref name="b"/> is cut.</summary>
    public bool Separates(NodeName? a, NodeName b) => a != b && ((a is { } dialer && _isolated.ContainsKey(dialer)) || _isolated.ContainsKey(b));

    internal void Add(FaultProxy proxy) => _proxies.Add(proxy);
}

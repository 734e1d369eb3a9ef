using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Tests.Transport;

/// <summary>The connections between nodes: handshake, order, refusal of strangers and garbage, probes, one connection per pair.</summary>
public sealed class TransportTests
{
    [Fact]
    public async Task Two_nodes_connect_learn_each_other_and_frames_arrive_in_order()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost");
        await using var b = await TransportHarness.StartAsync("b@localhost");

        var connection = await a.Transport.ConnectAsync(b.Endpoint, NodeName.Parse("b@localhost"), TestContext.Current.CancellationToken);
        var inbound = (await b.Events.Expect<TransportHarness.Connected>()).Connection;

        Assert.Equal("b@localhost", connection.Remote.Name.Value);
        Assert.Equal("a@localhost", inbound.Remote.Name.Value);
        Assert.Equal(a.Endpoint, inbound.Remote.Endpoint);
        for (var i = 0; i < 20_000; i++)
        {
            Assert.True(connection.Send(TransportHarness.Text(i.ToString())));
        }
        await TestNode.Eventually(() => b.Frames.Count == 20_000, "all frames to arrive");
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => i.ToString()), b.Frames);
    }

    [Fact]
    public async Task A_peer_with_another_cookie_is_refused_on_both_sides_and_nothing_is_delivered()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost", cookie: "one");
        await using var b = await TransportHarness.StartAsync("b@localhost", cookie: "two");

        var error = await Assert.ThrowsAsync<ConnectFailedException>(() => a.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken));

        Assert.Contains("cookie", error.Message);
        Assert.Empty(a.Transport.Connections);
        Assert.Empty(b.Transport.Connections);
        Assert.Empty(b.Events.Unexpected);
    }

    [Fact]
    public async Task A_node_of_another_cluster_is_refused()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost", cluster: "blue");
        await using var b = await TransportHarness.StartAsync("b@localhost", cluster: "green");

        var error = await Assert.ThrowsAsync<ConnectFailedException>(() => a.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken));

        Assert.Contains("cluster 'green', not 'blue'", error.Message);
        Assert.Empty(b.Transport.Connections);
    }

    [Fact]
    public async Task The_node_policy_can_refuse_an_authenticated_peer_with_a_reason()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost");
        await using var b = await TransportHarness.StartAsync("b@localhost");
        b.Admission = peer => $"{peer.Name} was declared dead";
        b.AdmissionCode = RefusalCode.DeclaredDead;

        var error = await Assert.ThrowsAsync<ConnectFailedException>(() => a.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken));

        Assert.Contains("a@localhost was declared dead", error.Message);
        Assert.Equal(RefusalCode.DeclaredDead, error.Code); // The dialer can act on it: a dead node stops.
    }

    [Fact]
    public async Task Garbage_from_a_raw_socket_is_refused_and_disturbs_no_other_connection()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost");
        await using var b = await TransportHarness.StartAsync("b@localhost");
        var good = await a.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken);

        using (var raw = await RawConnectAsync(b.Endpoint))
        {
            await raw.SendAsync(Enumerable.Range(0, 4096).Select(i => (byte)(i * 31)).ToArray(), TestContext.Current.CancellationToken);
            Assert.Equal(0, await ReadUntilClosedAsync(raw)); // The listener closes it (after a refusal frame at most).
        }

        Assert.True(good.Send(TransportHarness.Text("still here")));
        await TestNode.Eventually(() => b.Frames.Contains("still here"), "the good connection to keep working");
    }

    [Fact]
    public async Task A_dialer_that_says_nothing_is_dropped_after_the_handshake_timeout()
    {
        await using var b = await TransportHarness.StartAsync("b@localhost", options: new TransportOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });

        using var raw = await RawConnectAsync(b.Endpoint);

        Assert.Equal(0, await ReadUntilClosedAsync(raw));
    }

    [Fact]
    public async Task An_oversized_frame_after_the_handshake_closes_only_that_connection_as_a_protocol_violation()
    {
        var small = new TransportOptions { MaxFrameSize = 1024 };
        await using var a = await TransportHarness.StartAsync("a@localhost");
        await using var b = await TransportHarness.StartAsync("b@localhost", options: small);
        await using var c = await TransportHarness.StartAsync("c@localhost");
        var fromA = await a.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken);
        var fromC = await c.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken);

        Assert.True(fromA.Send(TransportHarness.Text(new string('x', 4000)))); // a allows it; b does not.

        var closed = await b.Events.Expect<TransportHarness.Disconnected>(d => d.Connection.Remote.Name.Value == "a@localhost");
        Assert.Equal(DisconnectReason.ProtocolViolation, closed.Reason);
        Assert.True(fromC.Send(TransportHarness.Text("unaffected")));
        await TestNode.Eventually(() => b.Frames.Contains("unaffected"), "the other connection to keep working");
    }

    [Fact]
    public async Task A_frame_larger_than_allowed_is_refused_at_the_sender()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost", options: new TransportOptions { MaxFrameSize = 1024 });
        await using var b = await TransportHarness.StartAsync("b@localhost");
        var connection = await a.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken);

        Assert.Throws<FrameProtocolException>(() => connection.Send(TransportHarness.Text(new string('x', 4000))));
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task A_probe_is_answered_and_a_closed_connection_fails_its_probes_at_once()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost");
        await using var b = await TransportHarness.StartAsync("b@localhost");
        var connection = await a.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken);

        Assert.True(await connection.PingAsync(TimeSpan.FromSeconds(5)));

        await b.DisposeAsync();
        await a.Events.Expect<TransportHarness.Disconnected>();
        Assert.False(connection.IsOpen);
        Assert.False(await connection.PingAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_peer_whose_traffic_keeps_arriving_passes_a_probe_it_has_not_answered_yet()
    {
        await using var b = await TransportHarness.StartAsync("b@localhost");
        using var raw = await RawConnectAsync(b.Endpoint);
        await using var stream = new NetworkStream(raw);
        var output = PipeWriter.Create(stream);
        var busy = new NodeIdentity(NodeName.Parse("busy@localhost"), 1, "", PeerRole.Node);
        await Handshake.DialAsync(PipeReader.Create(stream), output, new HandshakeSettings(busy, "c", "secret"u8.ToArray()), TestContext.Current.CancellationToken);
        var connection = (await b.Events.Expect<TransportHarness.Connected>()).Connection;

        // This peer never answers probes (nothing here reads what b sends): only its own traffic shows it is alive.
        using var streaming = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var sent = 0;
            while (!streaming.IsCancellationRequested)
            {
                var frame = TransportHarness.Text($"busy {sent++}");
                frame.Complete(int.MaxValue);
                await output.WriteAsync(frame.Bytes.ToArray());
                frame.Release();
                await Task.Delay(10);
            }
            return sent;
        });
        Assert.True(await connection.PingAsync(TimeSpan.FromMilliseconds(300)), "A peer streaming frames failed its probe.");

        await streaming.CancelAsync();
        var last = await writer - 1;
        await TestNode.Eventually(() => b.Frames.Contains($"busy {last}"), "every frame the peer wrote to be read");
        Assert.False(await connection.PingAsync(TimeSpan.FromMilliseconds(300)), "A silent peer that does not answer passed its probe.");
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Frames_still_queued_when_a_connection_closes_are_handed_back_in_order_and_none_twice()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost");
        using var raw = await RawConnectAsync(a.Endpoint);
        await using var stream = new NetworkStream(raw);
        var stalled = new NodeIdentity(NodeName.Parse("stalled@localhost"), 1, "", PeerRole.Node);
        await Handshake.DialAsync(PipeReader.Create(stream), PipeWriter.Create(stream), new HandshakeSettings(stalled, "c", "secret"u8.ToArray()), TestContext.Current.CancellationToken);
        var connection = (await a.Events.Expect<TransportHarness.Connected>()).Connection;

        // The peer reads nothing: once the socket's buffers are full, frames wait in the connection's queue.
        var sent = 0;
        var payload = new string('x', 1000);
        while (connection.QueuedBytes < 4 * 1024 * 1024)
        {
            Assert.True(connection.Send(TransportHarness.Text($"{sent++} {payload}")));
            if (sent % 1000 == 0)
            {
                await Task.Yield(); // Let the writer fill the socket.
            }
        }
        connection.Close(DisconnectReason.ClosedLocally);

        var unsent = a.Unsent.Select(text => int.Parse(text[..text.IndexOf(' ')], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        // What the socket took may be lost (the peer never read it); everything after it comes back, in order, once.
        Assert.NotEmpty(unsent);
        Assert.Equal(Enumerable.Range(unsent[0], sent - unsent[0]), unsent);
        Assert.False(connection.Send(TransportHarness.Text("after close")));
    }

    [Fact]
    public async Task Two_nodes_dialing_each_other_at_once_end_with_one_connection_that_both_agree_on_and_both_dials_return_it()
    {
        for (var round = 0; round < 10; round++)
        {
            await using var a = await TransportHarness.StartAsync("a@localhost");
            await using var b = await TransportHarness.StartAsync("b@localhost");

            var ab = Task.Run(() => a.Transport.ConnectAsync(b.Endpoint, b.Transport.Self.Name, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
            var ba = Task.Run(() => b.Transport.ConnectAsync(a.Endpoint, a.Transport.Self.Name, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
            // The dial that loses is refused in favour of the other one, and returns that one: neither fails.
            var (fromA, fromB) = (await ab.Within("a's dial"), await ba.Within("b's dial"));

            await TestNode.Eventually(
                () => a.Transport.Find(NodeName.Parse("b@localhost")) is { IsOpen: true } x
                      && b.Transport.Find(NodeName.Parse("a@localhost")) is { IsOpen: true } y
                      && x.IsInitiator != y.IsInitiator
                      && a.Transport.Connections.Count() == 1 && b.Transport.Connections.Count() == 1,
                "one connection, the same one seen from both ends");
            Assert.Same(a.Transport.Find(NodeName.Parse("b@localhost")), fromA);
            Assert.Same(b.Transport.Find(NodeName.Parse("a@localhost")), fromB);
            Assert.True(fromA.Send(TransportHarness.Text("over the kept one")));
            await TestNode.Eventually(() => b.Frames.Contains("over the kept one"), "traffic over the kept connection");
        }
    }

    [Fact]
    public async Task A_dial_toward_a_peer_that_holds_a_connection_it_opened_to_this_node_is_refused_and_that_connection_is_kept()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost");
        await using var b = await TransportHarness.StartAsync("b@localhost");
        var kept = await b.Transport.ConnectAsync(a.Endpoint, a.Transport.Self.Name, TestContext.Current.CancellationToken);
        await TestNode.Eventually(() => a.Transport.Find(NodeName.Parse("b@localhost")) is not null, "a to adopt the connection b opened");

        // A dial of a's that does not look for an open connection first, as one already under way when b's arrived.
        await Assert.ThrowsAsync<ConnectFailedException>(() => a.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken));

        Assert.True(kept.IsOpen);
        Assert.Same(kept, b.Transport.Find(NodeName.Parse("a@localhost")));
        Assert.Single(a.Transport.Connections);
        Assert.True(kept.Send(TransportHarness.Text("still over the kept one")));
        await TestNode.Eventually(() => a.Frames.Contains("still over the kept one"), "traffic over the kept connection");
    }

    [Fact]
    public async Task After_a_connection_closes_the_nodes_connect_again()
    {
        await using var a = await TransportHarness.StartAsync("a@localhost");
        await using var b = await TransportHarness.StartAsync("b@localhost");
        var first = await a.Transport.ConnectAsync(b.Endpoint, null, TestContext.Current.CancellationToken);

        Assert.True(a.Transport.Disconnect(NodeName.Parse("b@localhost"), "test"));
        await first.Closed.Within("the connection to close");
        var second = await a.Transport.ConnectAsync(b.Endpoint, NodeName.Parse("b@localhost"), TestContext.Current.CancellationToken);

        Assert.NotSame(first, second);
        Assert.True(second.Send(TransportHarness.Text("again")));
        await TestNode.Eventually(() => b.Frames.Contains("again"), "traffic over the new connection");
    }

    private static async Task<Socket> RawConnectAsync(string endpoint)
    {
        var (host, port) = ClusterTransport.ParseEndpoint(endpoint);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Parse(host), port, TestContext.Current.CancellationToken);
        return socket;
    }

    /// <summary>Reads until the peer closes; returns the count of bytes received that are not a refusal frame.</summary>
    private static async Task<int> ReadUntilClosedAsync(Socket socket)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, deadline.Token);
            }
            catch (SocketException)
            {
                break; // Reset: closed.
            }
            if (read == 0)
            {
                break;
            }
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }
        // What a refused peer may get is one Refuse frame; anything else would be a protocol leak.
        if (received.Count >= 5 && received[4] == (byte)FrameKind.Refuse
            && BinaryPrimitives.ReadUInt32LittleEndian(received.ToArray()) + 4 == received.Count)
        {
            return 0;
        }
        return received.Count;
    }
}

using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Transport;
using ProcessGrid.Tests.Transport;

namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// The handshake tells a node from a client (the client SDK connects like an Erlang hidden node): a client reaches
/// processes, but it is not a member, not among the node's <c>Nodes</c>, and node monitors do not hear of it.
/// </summary>
public sealed class ClientConnectionTests
{
    [Fact]
    public async Task A_client_reaches_processes_but_is_neither_a_member_nor_a_node_that_monitors_hear_of()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var node = cluster[0];
        var events = Probe.WatchNodes(node);
        var receiver = Probe.Spawn(node);
        await using var client = await TransportHarness.StartAsync("client@localhost", cluster.ClusterId, cluster.Cookie, role: PeerRole.Client);
        var connection = await client.Transport.ConnectAsync(node.Endpoint!, null, TestContext.Current.CancellationToken);

        var frame = FrameBuilder.Start(FrameKind.Message);
        WireFormat.WritePid(frame, receiver.Pid);
        frame.WriteByte(0); // Hops.
        node.Distribution!.Serializer.Serialize(frame, "from a client");
        Assert.True(connection.Send(frame));

        await receiver.Expect<string>(text => text == "from a client");
        Assert.Equal(PeerRole.Client, node.Distribution.Transport.Find(NodeName.Parse("client@localhost"))?.Remote.Role);
        Assert.Empty(node.Nodes);
        Assert.DoesNotContain(node.Membership!.View.Entries, entry => entry.Name.Name == "client");
        node.Send(events.Pid, "marker"); // A NodeUp for the client would have come before it.
        await events.ExpectOnly("marker");
    }
}

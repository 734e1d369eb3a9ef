using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using ProcessGrid.Runtime.Transport;
using ProcessGrid.Tests.Cluster;
using static ProcessGrid.Tests.Client.ClientProcesses;

namespace ProcessGrid.Tests.Client;

/// <summary>
/// Links, monitors and exit signals work between a client's processes and the cluster's as between two nodes; when a
/// client's connection to a node is lost, both sides settle their session as nodes do (calls fail with nodedown, links
/// and monitors fire with noconnection) and membership is not touched; a client that closes ends its processes, whose
/// links and monitors fire on the nodes.
/// </summary>
public sealed class ClientSignalTests
{
    [Fact]
    public async Task A_client_process_hears_of_node_processes_it_monitors_and_links_to()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var client = await TestClients.ConnectAsync(cluster);
        var watcher = await Probe.SpawnTrappingExits(client);
        var monitored = Worker.Spawn(cluster[1]);
        var linked = Worker.Spawn(cluster[1]);
        var monitor = await watcher.Run(ctx => ctx.Monitor(monitored));
        await watcher.Run(ctx => ctx.Link(linked));
        await Worker.Answers(client, monitored); // The monitor and the link travelled ahead on the same connection.

        cluster[1].Send(monitored, new Worker.ExitWith("done"));
        cluster[1].Send(linked, new Worker.Crash());

        Assert.Equal(new Down(monitor, monitored, ExitReason.Custom("done")), await watcher.Expect<Down>());
        Assert.Equal(new Exit(linked, Worker.CrashReason), await watcher.Expect<Exit>());
    }

    [Fact]
    public async Task A_node_process_hears_of_client_processes_it_monitors_and_links_to()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var client = await TestClients.ConnectAsync(cluster);
        var watcher = await Probe.SpawnTrappingExits(cluster[1]);
        var onClient = Worker.Spawn(client);
        await watcher.Run(ctx => ctx.Link(onClient));
        var monitor = await watcher.Run(ctx => ctx.Monitor(onClient));
        await Worker.Answers(cluster[1], onClient);

        client.Send(onClient, new Worker.Crash());

        Assert.Equal(new Exit(onClient, Worker.CrashReason), await watcher.Expect<Exit>());
        Assert.Equal(new Down(monitor, onClient, Worker.CrashReason), await watcher.Expect<Down>());
    }

    [Fact]
    public async Task A_client_sends_exit_signals_and_monitors_a_virtual_process_at_its_owner()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.FullyConnected();
        await using var client = await TestClients.ConnectAsync(cluster);
        var worker = Worker.Spawn(cluster[1]);
        var ended = cluster[1].WhenExited(worker);

        client.Exit(worker, ExitReason.Custom("bye"));
        Assert.Equal(ExitReason.Custom("bye"), await ended.Within("the worker to end"));

        var owner = cluster[2];
        var tally = client.Virtual<Tally>(TestClients.KeyOwnedBy<Tally>(client, owner.Node, [.. cluster.Nodes.Select(n => n.Node)]));
        var watcher = Probe.Spawn(client);
        var monitor = await watcher.Run(ctx => ctx.Monitor(tally)); // Monitoring activates it, at its owner.
        await TestNode.Eventually(() => owner.Activations.Find(tally) is not null, "the tally to be activated at its owner");
        client.Exit(tally, ExitReason.Custom("stop"));

        Assert.Equal(new Down(monitor, tally, ExitReason.Custom("stop")), await watcher.Expect<Down>());
        Assert.All(cluster.Nodes.Where(n => n != owner), node => Assert.Null(node.Activations.Find(tally)));
    }

    [Fact]
    public async Task A_lost_connection_fails_the_clients_calls_with_nodedown_fires_links_and_monitors_on_both_sides_and_is_made_again()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var node = cluster[1];
        await using var client = await TestClients.ConnectAsync(cluster);
        var nodeEvents = Probe.WatchNodes(node);
        var clientEvents = Probe.WatchNodes(client);
        var onClient = await Probe.SpawnTrappingExits(client);
        var onNode = await Probe.SpawnTrappingExits(node);
        var nodeWorker = Worker.Spawn(node);
        var clientWorker = Worker.Spawn(client);
        var clientMonitor = await onClient.Run(ctx => ctx.Monitor(nodeWorker));
        await onClient.Run(ctx => ctx.Link(nodeWorker));
        var nodeMonitor = await onNode.Run(ctx => ctx.Monitor(clientWorker));
        await onNode.Run(ctx => ctx.Link(clientWorker));
        await Worker.Answers(client, nodeWorker);
        await Worker.Answers(node, clientWorker);
        var silent = await node.StartAsync<Silent>();
        var pending = client.Call<int>(silent, new Defer(), Timeout.InfiniteTimeSpan).AsTask();
        var version = node.Membership!.View.Version;

        Assert.True(node.Disconnect(client.Node));

        var failure = await Assert.ThrowsAsync<CallException>(() => pending).Within("the pending call to fail");
        Assert.Equal(ExitReason.NodeDown(node.Node), failure.Reason);
        Assert.Equal(new Down(clientMonitor, nodeWorker, ExitReason.NoConnection), await onClient.Expect<Down>());
        Assert.Equal(new Exit(nodeWorker, ExitReason.NoConnection), await onClient.Expect<Exit>());
        Assert.Equal(new Down(nodeMonitor, clientWorker, ExitReason.NoConnection), await onNode.Expect<Down>());
        Assert.Equal(new Exit(clientWorker, ExitReason.NoConnection), await onNode.Expect<Exit>());
        Assert.Equal(new NodeDown(node.Node, NodeDownReason.ConnectionLost), await clientEvents.Expect<NodeDown>());

        // The client connects again by itself, so that the node can reach the client's processes.
        Assert.Equal(new NodeUp(node.Node), await clientEvents.Expect<NodeUp>());
        node.Send(onClient.Pid, "after the reconnect");
        await onClient.Expect<string>(text => text == "after the reconnect");
        // Membership never heard of any of it, and the node's node monitors neither.
        Assert.Equal(version, node.Membership.View.Version);
        Assert.DoesNotContain(node.Membership.View.Entries, e => e.Name == client.Node);
        node.Send(nodeEvents.Pid, "marker");
        await nodeEvents.ExpectOnly("marker");
    }

    [Fact]
    public async Task When_the_gateway_connection_is_lost_the_client_follows_the_cluster_through_another_node()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var client = await TestClients.ConnectAsync(cluster, cluster[0]);
        var events = Probe.WatchNodes(client);
        Assert.Equal(cluster[0].Node, client.Gateway);

        Assert.True(cluster[0].Disconnect(client.Node));

        Assert.Equal(new NodeDown(cluster[0].Node, NodeDownReason.ConnectionLost), await events.Expect<NodeDown>());
        await TestNode.Eventually(() => client.Gateway == cluster[1].Node, "the client to follow the cluster through the other node");
        var joined = await cluster.AddNodeAsync();
        await events.Expect<NodeUp>(up => up.Node == joined.Node); // Told by its new gateway.
        await TestNode.Eventually(() => client.Nodes.Count == 3, "the client to be connected to all three nodes again");
    }

    [Fact]
    public async Task A_client_that_closes_ends_its_processes_whose_links_and_monitors_fire_on_the_nodes()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var node = cluster[1];
        var client = await TestClients.ConnectAsync(cluster);
        var nodeEvents = Probe.WatchNodes(node);
        var watcher = await Probe.SpawnTrappingExits(node);
        var linked = Worker.Spawn(client);
        var monitored = Worker.Spawn(client);
        await watcher.Run(ctx => ctx.Link(linked));
        var monitor = await watcher.Run(ctx => ctx.Monitor(monitored));
        await Worker.Answers(node, monitored);
        var version = node.Membership!.View.Version;

        await client.DisposeAsync();

        Assert.Equal(new Exit(linked, ExitReason.Shutdown), await watcher.Expect<Exit>());
        Assert.Equal(new Down(monitor, monitored, ExitReason.Shutdown), await watcher.Expect<Down>());
        await TestNode.Eventually(() => node.Distribution!.Transport.Find(client.Node) is null, "the node to see the client's connection closed");
        Assert.Empty(node.Distribution!.Get(client.Node).Links);
        Assert.Empty(node.Distribution.Get(client.Node).Watchers);
        Assert.Equal(version, node.Membership.View.Version);
        node.Send(nodeEvents.Pid, "marker");
        await nodeEvents.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_client_that_stops_answering_without_closing_its_connection_is_disconnected_and_its_monitors_fire()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var node = cluster[0];
        var frozen = NodeName.Parse("frozen@localhost");
        // A client that proves the cookie and then reads nothing and answers nothing, like a frozen process whose
        // sockets stay open.
        var (host, port) = ClusterTransport.ParseEndpoint(node.Endpoint!);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(host, port, TestContext.Current.CancellationToken);
        await using var stream = new NetworkStream(socket);
        var settings = new HandshakeSettings(new NodeIdentity(frozen, 1, "", PeerRole.Client), cluster.ClusterId, Encoding.UTF8.GetBytes(cluster.Cookie));
        await Handshake.DialAsync(PipeReader.Create(stream), PipeWriter.Create(stream), settings, TestContext.Current.CancellationToken);
        await TestNode.Eventually(() => node.Distribution!.Transport.Find(frozen) is not null, "the node to accept the client");
        var watcher = Probe.Spawn(node);
        var onClient = Pid.ForSpawned(frozen, 1, 7);
        var monitor = await watcher.Run(ctx => ctx.Monitor(onClient));

        Assert.Equal(new Down(monitor, onClient, ExitReason.NoConnection), await watcher.Expect<Down>());
        await cluster.Log.WaitFor("Client frozen@localhost answered none of 3 probes in a row");
        Assert.Null(node.Distribution!.Transport.Find(frozen));
        Assert.DoesNotContain(node.Membership!.View.Entries, e => e.Name == frozen);
    }
}

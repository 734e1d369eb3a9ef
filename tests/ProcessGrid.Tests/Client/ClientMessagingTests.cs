using ProcessGrid.Tests.Cluster;
using static ProcessGrid.Tests.Client.ClientProcesses;

namespace ProcessGrid.Tests.Client;

/// <summary>
/// A client uses the grid as code on a node does: it calls virtual processes at the node that owns them (one
/// activation per key, whoever calls), exchanges messages with processes on any node in order both ways, answers
/// calls from nodes, and spawns on nodes.
/// </summary>
public sealed class ClientMessagingTests
{
    public sealed record Letter(int Number);

    [Fact]
    public async Task A_client_calls_a_virtual_process_owned_by_each_node_and_it_has_one_activation_there()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.FullyConnected();
        await using var client = await TestClients.ConnectAsync(cluster);
        var members = cluster.Nodes.Select(n => n.Node).ToList();

        foreach (var owner in cluster.Nodes)
        {
            var tally = client.Virtual<Tally>(TestClients.KeyOwnedBy<Tally>(client, owner.Node, members));

            Assert.Equal(owner.Node, await client.Call<NodeName>(tally, new Where()));
            Assert.Equal(1, await client.Call<int>(tally, new Increment()));
            // The nodes reach the same activation: the one the client's calls made at the owner.
            foreach (var node in cluster.Nodes)
            {
                Assert.Equal(owner.Node, await node.Call<NodeName>(tally, new Where()));
            }
            Assert.Equal(2, await cluster.Nodes[^1].Call<int>(tally, new Increment()));
            Assert.Equal(3, await client.Call<int>(tally, new Increment()));
            Assert.All(cluster.Nodes, node => Assert.Equal(node == owner, node.Activations.Find(tally) is not null));
        }
        Assert.Empty(client.Processes()); // The client hosts none of them.
    }

    [Fact]
    public async Task Messages_between_a_client_process_and_a_node_process_arrive_in_send_order_both_ways()
    {
        const int Count = 2000;
        await using var cluster = await TestCluster.StartAsync(2);
        await using var client = await TestClients.ConnectAsync(cluster);
        var onNode = Probe.Spawn(cluster[1]);
        var onClient = Probe.Spawn(client);

        client.Spawn(ctx =>
        {
            for (var n = 0; n < Count; n++)
            {
                ctx.Send(onNode.Pid, new Letter(n));
            }
            return Task.CompletedTask;
        });
        cluster[1].Spawn(ctx =>
        {
            for (var n = 0; n < Count; n++)
            {
                ctx.Send(onClient.Pid, new Letter(n));
            }
            return Task.CompletedTask;
        });

        for (var n = 0; n < Count; n++)
        {
            await onNode.ExpectNext(new Letter(n));
            await onClient.ExpectNext(new Letter(n));
        }
        Assert.Equal(0, client.DeadLetters.Count);
    }

    [Fact]
    public async Task Any_node_reaches_a_client_process_even_one_the_client_never_sent_to()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.FullyConnected();
        await using var client = await TestClients.ConnectAsync(cluster);
        var onClient = Probe.Spawn(client);

        // The pid travels through the first node to a worker on the last; the worker answers the client directly.
        var relay = Worker.Spawn(cluster[0]);
        var far = Worker.Spawn(cluster[2]);
        cluster[0].Send(relay, new Worker.Tell(far, new Worker.Ping(onClient.Pid)));

        Assert.Equal(new Worker.Pong(far), await onClient.Expect<Worker.Pong>());
        cluster[2].Send(onClient.Pid, "direct from the third node");
        await onClient.ExpectNext("direct from the third node");
    }

    [Fact]
    public async Task A_node_calls_a_server_running_in_the_client()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var client = await TestClients.ConnectAsync(cluster);
        var echo = await client.StartAsync<Echo>();

        Assert.Equal($"hello from {client.Node}", await cluster[1].Call<string>(echo, "hello"));
        Assert.Equal(client.Node, echo.Node);
    }

    [Fact]
    public async Task A_client_spawns_on_a_node_sends_to_a_registered_name_there_and_casts()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var client = await TestClients.ConnectAsync(cluster);

        var echo = await client.SpawnAsync<Echo>(cluster[1].Node);
        Assert.Equal(cluster[1].Node, echo.Node);
        Assert.Equal($"spawned from {cluster[1].Node}", await client.Call<string>(echo, "spawned"));

        var named = Probe.Spawn(cluster[1]);
        cluster[1].Register("inbox", named.Pid);
        client.Send("inbox", cluster[1].Node, "by name");
        await named.ExpectNext("by name");

        var tally = client.Virtual<Tally>("cast");
        client.Cast(tally, "not a call"); // A tally has no cast handler: the default one logs and ignores it.
        Assert.Equal(1, await client.Call<int>(tally, new Increment()));
    }

    [Fact]
    public async Task A_call_from_a_client_fails_with_the_reason_a_node_would_get()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await using var client = await TestClients.ConnectAsync(cluster);
        var gone = await cluster[1].DeadProcess();
        var silent = await cluster[1].StartAsync<Silent>();

        var noproc = await Assert.ThrowsAsync<CallException>(async () => await client.Call<string>(gone, "anyone?"));
        Assert.Equal(ExitReason.NoProc, noproc.Reason);
        var timeout = await Assert.ThrowsAsync<CallException>(async () => await client.Call<string>(silent, new Defer(), TimeSpan.FromMilliseconds(100)));
        Assert.Equal(ExitReason.Timeout, timeout.Reason);
        var crash = await Assert.ThrowsAsync<CallException>(async () => await client.Call<int>(client.Virtual<Tally>("bad"), "not a request"));
        Assert.Contains("A tally answers Where and Increment", crash.Reason.ToString());
    }
}

using ProcessGrid.Tests.Cluster;
using ProcessGrid.Tests.Rpc;

namespace ProcessGrid.Tests.Client;

/// <summary>
/// The kernel services seen from a client, as from an Erlang hidden node: rpc works both ways, while global names and
/// process groups belong to the members and say so when a client asks for them.
/// </summary>
public sealed class ClientKernelTests
{
    [Fact]
    public async Task A_client_calls_and_multicalls_functions_on_the_nodes_and_gets_undef_and_nodedown_as_a_node_would()
    {
        await using var cluster = await TestCluster.StartAsync(2, configure: TestFunctions.Register);
        await using var client = await TestClients.ConnectAsync(cluster);

        Assert.Equal(5, await client.Rpc.Call<int>(cluster[1].Node, "math.add", [2, 3]));
        Assert.Equal(cluster[0].Node, await client.Rpc.Call<NodeName>(cluster[0].Node, "where", []));
        var everywhere = await client.Rpc.Multicall<NodeName>(cluster.Nodes.Select(n => n.Node), "where", []);
        Assert.Equal(cluster.Nodes.Select(n => n.Node).Order(), everywhere.Results.Keys.Order());
        Assert.Empty(everywhere.Failed);

        var undef = await Assert.ThrowsAsync<RpcException>(async () => await client.Rpc.Call<int>(cluster[0].Node, "no.such", []));
        Assert.Contains("no.such", undef.Message);
        var stranger = NodeName.Parse("stranger@localhost");
        var down = await Assert.ThrowsAsync<RpcException>(async () => await client.Rpc.Call<int>(stranger, "math.add", [1, 1]));
        Assert.Contains("nodedown", down.Message);
    }

    [Fact]
    public async Task Global_names_and_process_groups_on_a_client_say_they_belong_to_the_members_and_what_to_do()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        await using var client = await TestClients.ConnectAsync(cluster);

        var global = Assert.Throws<InvalidOperationException>(() => client.Global.Whereis("leader"));
        Assert.Contains("is a client of its cluster", global.Message);
        Assert.Contains("grid.Rpc.Call", global.Message);
        // ... and the way it names works: a node answers for the global names it knows.
        var leader = cluster[0].Spawn(async ctx => await ctx.Receive<string>());
        Assert.True(await cluster[0].Global.Register("leader", leader));
        Assert.Equal(leader, await client.Rpc.Call<Pid?>(cluster[0].Node, GridFunctions.GlobalWhereis, ["leader"]));
        Assert.Null(await client.Rpc.Call<Pid?>(cluster[0].Node, GridFunctions.GlobalWhereis, ["nobody"]));
        var groups = Assert.Throws<InvalidOperationException>(() => client.Groups.GetMembers("workers"));
        Assert.Contains("is a client of its cluster", groups.Message);
    }
}

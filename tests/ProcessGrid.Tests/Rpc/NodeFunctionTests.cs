namespace ProcessGrid.Tests.Rpc;

/// <summary>The functions every node serves itself, for tools connected to any node: processes, process_info, registered, node info.</summary>
public sealed class NodeFunctionTests
{
    [Fact]
    public async Task Another_nodes_processes_and_one_process_can_be_looked_at_from_here()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var other = cluster[1].Node;
        var worker = cluster[1].Spawn(ctx => ctx.Receive<string>().AsTask(), new SpawnOptions { Name = "worker" });
        await cluster[1].UntilWaiting(worker);
        var dead = await cluster[1].DeadProcess();

        var processes = await cluster[0].Rpc.Call<IReadOnlyList<Pid>>(other, GridFunctions.Processes, []);
        var info = await cluster[0].Rpc.Call<ProcessInfo?>(other, GridFunctions.ProcessInfo, [worker]);
        var none = await cluster[0].Rpc.Call<ProcessInfo?>(other, GridFunctions.ProcessInfo, [dead]);
        var names = await cluster[0].Rpc.Call<IReadOnlyList<string>>(other, GridFunctions.Registered, []);

        Assert.Contains(worker, processes);
        Assert.DoesNotContain(dead, processes);
        Assert.NotNull(info);
        Assert.Equal((worker, "worker", ProcessStatus.Waiting), (info.Pid, info.RegisteredName, info.Status));
        Assert.Null(none);
        Assert.Contains("worker", names);
    }

    [Fact]
    public async Task A_node_describes_itself_its_connections_and_its_functions()
    {
        await using var cluster = await TestCluster.StartAsync(2, configure: TestFunctions.Register);
        var other = cluster[1];
        await cluster.FullyConnected();

        var info = await cluster[0].Rpc.Call<NodeInfo>(other.Node, GridFunctions.NodeInfo, []);
        var nodes = await cluster[0].Rpc.Call<IReadOnlyList<NodeName>>(other.Node, GridFunctions.Nodes, []);
        var functions = await cluster[0].Rpc.Call<IReadOnlyList<string>>(other.Node, GridFunctions.Functions, []);

        Assert.Equal((other.Node, other.Creation, other.Endpoint), (info.Node, info.Creation, info.Endpoint));
        Assert.Equal(other.Processes().Count, info.ProcessCount);
        Assert.True(info.Uptime > TimeSpan.Zero && info.StartedAt <= DateTimeOffset.UtcNow, $"uptime {info.Uptime}, started {info.StartedAt}");
        Assert.Equal([cluster[0].Node], info.ConnectedNodes);
        Assert.Equal([cluster[0].Node], nodes);
        Assert.Contains("math.add", functions);
        Assert.Contains(GridFunctions.NodeInfo, functions);
    }
}

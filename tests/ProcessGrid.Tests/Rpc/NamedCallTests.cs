namespace ProcessGrid.Tests.Rpc;

/// <summary>
/// <c>gen_server:call({Name, Node}, Request)</c>: the name is looked up on the node that holds it; a name nobody holds
/// there is <c>noproc</c> naming both, a node that is down is <c>nodedown</c> at once, and no reply is a timeout.
/// </summary>
public sealed class NamedCallTests
{
    /// <summary>Long enough that a call failing by timeout instead of at once fails its test's deadline first.</summary>
    private static readonly TimeSpan LongerThanAnyTest = TimeSpan.FromMinutes(5);

    public sealed record Who;

    public sealed record Defer;

    /// <summary>Answers an int with the next one, <see cref="Who"/> with the caller and its node, and never answers <see cref="Defer"/>.</summary>
    private sealed class Server : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => request switch
        {
            int n => new(n + 1),
            Who => new($"{from.Caller} on {Self.Node}"),
            Defer => new(NoReply),
            _ => throw new ArgumentException($"unexpected {request}"),
        };
    }

    private static async Task<CallException> CallFails(IProcessGrid caller, string name, NodeName node, object request, TimeSpan? timeout = null) =>
        await Assert.ThrowsAsync<CallException>(() => caller.Call<int>(name, node, request, timeout).AsTask()).Within($"the call to {{{name},{node}}} to fail");

    [Fact]
    public async Task A_call_to_a_name_on_another_node_reaches_the_process_registered_there()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await cluster[1].StartAsync<Server>(new SpawnOptions { Name = "counter" });

        Assert.Equal(42, await cluster[0].Call<int>("counter", cluster[1].Node, 41));
    }

    [Fact]
    public async Task A_call_from_a_process_to_a_name_on_another_node_tells_the_server_who_is_calling()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await cluster[1].StartAsync<Server>(new SpawnOptions { Name = "who" });
        var caller = Probe.Spawn(cluster[0]);

        var answer = await caller.Run(ctx => ctx.Call<string>("who", cluster[1].Node, new Who()).AsTask());

        Assert.Equal($"{caller.Pid} on {cluster[1].Node}", await answer.Within("the reply"));
    }

    [Fact]
    public async Task A_call_to_a_name_nobody_holds_on_the_other_node_fails_at_once_with_noproc_naming_the_name_and_the_node()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        // The name is held on the calling node, not on the one called.
        await cluster[0].StartAsync<Server>(new SpawnOptions { Name = "only_here" });

        var error = await CallFails(cluster[0], "only_here", cluster[1].Node, 1, LongerThanAnyTest);

        Assert.Equal(ExitReason.NoProc, error.Reason);
        Assert.Equal("only_here", error.Name);
        Assert.Equal(cluster[1].Node, error.Node);
        Assert.Contains($"no process is registered as 'only_here' on {cluster[1].Node}", error.Message, StringComparison.Ordinal);
        Assert.Empty(cluster[0].Distribution!.Get(cluster[1].Node).PendingCalls);
    }

    [Fact]
    public async Task A_call_to_a_name_on_this_node_behaves_as_on_any_other()
    {
        await using var node = TestNode.Start();
        await node.StartAsync<Server>(new SpawnOptions { Name = "counter" });

        Assert.Equal(8, await node.Call<int>("counter", node.Node, 7));
        var error = await CallFails(node, "nobody", node.Node, 1);
        Assert.Equal(ExitReason.NoProc, error.Reason);
        Assert.Contains($"'nobody' on {node.Node}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_to_a_name_on_a_node_that_is_not_a_member_fails_at_once_with_nodedown()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var stranger = NodeName.Parse("stranger@localhost");

        var error = await CallFails(cluster[0], "counter", stranger, 1, LongerThanAnyTest);

        Assert.Equal(ExitReason.NodeDown(stranger), error.Reason);
        Assert.Empty(cluster[0].Distribution!.Get(stranger).PendingCalls);
    }

    [Fact]
    public async Task A_call_to_another_node_from_a_node_that_is_not_distributed_fails_at_once_with_nodedown()
    {
        await using var node = TestNode.Start();
        var other = NodeName.Parse("other@localhost");

        var error = await CallFails(node, "counter", other, 1, LongerThanAnyTest);

        Assert.Equal(ExitReason.NodeDown(other), error.Reason);
    }

    [Fact]
    public async Task A_call_waiting_on_a_server_whose_node_stops_fails_with_the_servers_exit_reason_not_a_timeout()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<Server>(new SpawnOptions { Name = "sink" });
        var call = cluster[0].Call<int>("sink", cluster[1].Node, new Defer(), LongerThanAnyTest).AsTask();
        await TestNode.Eventually(() => cluster[1].GetProcessInfo(server)?.MessagesHandled == 1, "the server to take the call");

        await cluster[1].StopAsync(TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<CallException>(() => call).Within("the call to fail");
        // The node shuts its processes down before it leaves, and the connection is closed after what it carries.
        Assert.Equal(ExitReason.Shutdown, error.Reason);
    }

    [Fact]
    public async Task A_call_waiting_when_the_connection_is_lost_fails_with_nodedown()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<Server>(new SpawnOptions { Name = "sink" });
        var call = cluster[0].Call<int>("sink", cluster[1].Node, new Defer(), LongerThanAnyTest).AsTask();
        await TestNode.Eventually(() => cluster[1].GetProcessInfo(server)?.MessagesHandled == 1, "the server to take the call");

        cluster[0].Disconnect(cluster[1].Node);

        var error = await Assert.ThrowsAsync<CallException>(() => call).Within("the call to fail");
        Assert.Equal(ExitReason.NodeDown(cluster[1].Node), error.Reason);
    }

    [Fact]
    public async Task A_call_to_a_name_that_gets_no_reply_times_out_and_is_forgotten()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await cluster[1].StartAsync<Server>(new SpawnOptions { Name = "sink" });

        var error = await CallFails(cluster[0], "sink", cluster[1].Node, new Defer(), TimeSpan.FromMilliseconds(200));

        Assert.Equal(ExitReason.Timeout, error.Reason);
        Assert.Contains("{sink,", error.Message, StringComparison.Ordinal);
        Assert.Empty(cluster[0].Distribution!.Get(cluster[1].Node).PendingCalls);
        Assert.Equal(2, await cluster[0].Call<int>("sink", cluster[1].Node, 1)); // The server carries on.
    }

    [Fact]
    public async Task A_process_registered_under_the_name_that_exits_before_replying_fails_the_call_with_its_exit_reason()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        cluster[1].Spawn(async ctx =>
        {
            await ctx.Receive<CallRequest>();
            ctx.Exit(ExitReason.Custom("took it and left"));
        }, new SpawnOptions { Name = "quitter" });

        var error = await CallFails(cluster[0], "quitter", cluster[1].Node, 1, LongerThanAnyTest);

        Assert.Equal(ExitReason.Custom("took it and left"), error.Reason);
    }
}

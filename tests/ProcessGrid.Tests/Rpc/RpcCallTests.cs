namespace ProcessGrid.Tests.Rpc;

/// <summary>
/// <c>erpc:call</c>: a function registered by name runs on the node called, and its result or a typed error comes
/// back: <c>undef</c>, <c>badarg</c>, the exception it threw, <c>nodedown</c> (at once), or <c>timeout</c>.
/// </summary>
public sealed class RpcCallTests
{
    /// <summary>Long enough that a call failing by timeout instead of at once fails its test's deadline first.</summary>
    private static readonly TimeSpan LongerThanAnyTest = TimeSpan.FromMinutes(5);

    private static Task<TestCluster> Cluster(int nodes) => TestCluster.StartAsync(nodes, configure: TestFunctions.Register);

    private static async Task<RpcException> CallFails<TResult>(IProcessGrid caller, NodeName node, string function, object?[] args, TimeSpan? timeout = null) =>
        await Assert.ThrowsAsync<RpcException>(() => caller.Rpc.Call<TResult>(node, function, args, timeout).AsTask()).Within($"rpc {function} on {node} to fail");

    [Fact]
    public async Task Every_node_serves_the_functions_of_its_options_from_the_start()
    {
        await using var cluster = await Cluster(3);

        foreach (var caller in cluster.Nodes)
        {
            foreach (var callee in cluster.Nodes)
            {
                Assert.Equal(3, await caller.Rpc.Call<int>(callee.Node, "math.add", [1, 2]));
                Assert.Equal(callee.Node, await caller.Rpc.Call<NodeName>(callee.Node, "where", []));
            }
        }
        Assert.Contains("math.add", cluster[0].Rpc.Functions);
    }

    [Fact]
    public async Task Asynchronous_and_void_functions_answer_when_they_have_finished()
    {
        await using var cluster = await Cluster(2);
        var other = cluster[1].Node;

        Assert.Equal(5, await cluster[0].Rpc.Call<int>(other, "math.add_async", [2, 3]));
        Assert.Equal(7, await cluster[0].Rpc.Call<int>(other, "math.add_value_task", [3, 4]));
        Assert.Null(await cluster[0].Rpc.Call<object?>(other, "nothing", []));
        await cluster[0].Rpc.Call(other, "nothing_async", []);
    }

    [Fact]
    public async Task Arguments_bind_by_position_numbers_widen_data_crosses_and_optional_parameters_take_their_defaults()
    {
        await using var cluster = await Cluster(2);
        var other = cluster[1].Node;

        Assert.Equal("5|2", await cluster[0].Rpc.Call<string>(other, "math.widen", [5, 2]));
        Assert.Equal(6, await cluster[0].Rpc.Call<int>(other, "math.sum", [new List<int> { 1, 2, 3 }]));
        Assert.Equal(25.5m, await cluster[0].Rpc.Call<decimal>(other, "orders.total", [new TestFunctions.Order("o-1", 8.5m), 3]));
        Assert.Equal("hello, Joe", await cluster[0].Rpc.Call<string>(other, "greet", ["Joe"]));
        Assert.Equal("hej, Joe", await cluster[0].Rpc.Call<string>(other, "greet", ["Joe", "hej"]));
        Assert.Null(await cluster[0].Rpc.Call<object?>(other, "echo", [null])); // Declared nullable: null binds.
        // A number result converts to the type the caller asks for when nothing is lost.
        Assert.Equal(3L, await cluster[0].Rpc.Call<long>(other, "math.add", [1, 2]));
    }

    [Fact]
    public async Task A_call_to_this_node_runs_the_function_here_with_the_same_rules()
    {
        await using var node = TestNode.Start(TestFunctions.Register);

        Assert.Equal(3, await node.Rpc.Call<int>(node.Node, "math.add", [1, 2]));
        Assert.Equal(node.Node, await node.Rpc.Call<NodeName>(node.Node, "where", []));
        var undef = await CallFails<int>(node, node.Node, "math.sub", [1, 2]);
        Assert.Equal(RpcFailure.Undef, undef.Failure);
        var badarg = await CallFails<int>(node, node.Node, "math.add", [1, "2"]);
        Assert.Equal(RpcFailure.Badarg, badarg.Failure);
        var threw = await CallFails<int>(node, node.Node, "math.div", [1, 0]);
        Assert.Equal(RpcFailure.Exception, threw.Failure);
        Assert.IsType<DivideByZeroException>(threw.InnerException); // On its own node, the exception itself.
    }

    [Fact]
    public async Task An_unknown_function_is_undef_naming_the_node_and_the_function_and_what_it_serves()
    {
        await using var cluster = await Cluster(2);
        var other = cluster[1].Node;

        var error = await CallFails<int>(cluster[0], other, "math.sub", [1, 2], LongerThanAnyTest);

        Assert.Equal(RpcFailure.Undef, error.Failure);
        Assert.Equal(other, error.Node);
        Assert.Equal("math.sub", error.Function);
        Assert.Contains($"rpc math.sub on {other} failed: undef", error.Message, StringComparison.Ordinal);
        Assert.Contains("math.add", error.Message, StringComparison.Ordinal);
        Assert.Empty(cluster[0].Distribution!.Get(other).PendingCalls);
    }

    [Fact]
    public async Task Arguments_that_do_not_fit_are_badarg_saying_what_the_function_expects()
    {
        await using var cluster = await Cluster(2);
        var other = cluster[1].Node;

        var tooFew = await CallFails<int>(cluster[0], other, "math.add", [1]);
        var tooMany = await CallFails<int>(cluster[0], other, "math.add", [1, 2, 3]);
        var wrongType = await CallFails<int>(cluster[0], other, "math.add", [1, "two"]);
        var doesNotFit = await CallFails<int>(cluster[0], other, "math.add", [1, 5_000_000_000L]);
        var notWhole = await CallFails<int>(cluster[0], other, "math.add", [1, 2.5]);
        var nullForInt = await CallFails<int>(cluster[0], other, "math.add", [1, null]);
        var optional = await CallFails<string>(cluster[0], other, "greet", []);
        var nullForString = await CallFails<string>(cluster[0], other, "greet", [null]);

        Assert.All(new[] { tooFew, tooMany, wrongType, doesNotFit, notWhole, nullForInt, optional, nullForString }, e => Assert.Equal(RpcFailure.Badarg, e.Failure));
        Assert.Contains("math.add(int a, int b) takes 2 arguments, and 1 was given", tooFew.Message, StringComparison.Ordinal);
        Assert.Contains("takes 2 arguments, and 3 were given", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains("argument 2 (b) is string \"two\", but it must be int", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("argument 2 (b) is long 5000000000, but it must be int", doesNotFit.Message, StringComparison.Ordinal);
        Assert.Contains("argument 2 (b) is double 2.5, but it must be int", notWhole.Message, StringComparison.Ordinal);
        Assert.Contains("argument 2 (b) is null, but it must be int", nullForInt.Message, StringComparison.Ordinal);
        Assert.Contains("greet(string name, string greeting = hello) takes 1 to 2 arguments, and 0 were given", optional.Message, StringComparison.Ordinal);
        Assert.Contains("argument 1 (name) is null, but it must be string", nullForString.Message, StringComparison.Ordinal);
        Assert.Equal(3, await cluster[0].Rpc.Call<int>(other, "math.add", [1, 2])); // The node carries on.
    }

    [Fact]
    public async Task A_function_that_throws_gives_the_caller_the_exceptions_type_and_message_and_where_it_was_thrown()
    {
        await using var cluster = await Cluster(2);
        var other = cluster[1].Node;

        var sync = await CallFails<int>(cluster[0], other, "fail", ["remote boom"]);
        var async = await CallFails<int>(cluster[0], other, "fail_async", ["later boom"]);
        var division = await CallFails<int>(cluster[0], other, "math.div", [1, 0]);

        Assert.Equal(RpcFailure.Exception, sync.Failure);
        Assert.Equal(typeof(InvalidOperationException).FullName, sync.ExceptionType);
        Assert.Equal("remote boom", sync.Detail);
        Assert.Contains($"rpc fail on {other} failed: the function threw System.InvalidOperationException: remote boom", sync.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(sync.RemoteStackTrace));
        Assert.Equal(("later boom", typeof(InvalidOperationException).FullName), (async.Detail, async.ExceptionType));
        Assert.Equal(typeof(DivideByZeroException).FullName, division.ExceptionType);
    }

    [Fact]
    public async Task A_result_that_cannot_cross_nodes_fails_the_call_with_the_reason()
    {
        await using var cluster = await Cluster(2);

        var error = await CallFails<object>(cluster[0], cluster[1].Node, "code", []);

        Assert.Equal(RpcFailure.Exception, error.Failure);
        Assert.Equal(typeof(MessageSerializationException).FullName, error.ExceptionType);
    }

    [Fact]
    public async Task An_argument_that_cannot_cross_nodes_is_refused_before_anything_is_sent()
    {
        await using var cluster = await Cluster(2);

        Assert.Throws<MessageSerializationException>(() => cluster[0].Rpc.Call<object>(cluster[1].Node, "echo", [new Func<int>(() => 1)]));

        Assert.Empty(cluster[0].Distribution!.Get(cluster[1].Node).PendingCalls);
    }

    [Fact]
    public async Task A_result_of_another_type_than_the_caller_expects_is_an_InvalidCastException()
    {
        await using var cluster = await Cluster(2);

        var error = await Assert.ThrowsAsync<InvalidCastException>(() => cluster[0].Rpc.Call<string>(cluster[1].Node, "math.add", [1, 2]).AsTask());

        Assert.Contains("returned int 3, but the caller expected string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_with_no_answer_in_time_times_out_is_forgotten_and_cancels_the_functions_token()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await TestCluster.StartAsync(2, configure: options => options.Rpc.Register("wait", async (CancellationToken cancellation) =>
        {
            await using var _ = cancellation.Register(() => cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, cancellation);
        }));
        var other = cluster[1].Node;

        var error = await CallFails<object>(cluster[0], other, "wait", [], TimeSpan.FromMilliseconds(200));

        Assert.Equal(RpcFailure.Timeout, error.Failure);
        Assert.Contains("timeout (no answer within 200 ms", error.Message, StringComparison.Ordinal);
        Assert.Empty(cluster[0].Distribution!.Get(other).PendingCalls);
        await cancelled.Task.Within("the function's token to be cancelled once the caller stopped waiting");
    }

    [Fact]
    public async Task A_call_to_a_node_that_stops_during_the_call_fails_with_nodedown_not_a_timeout()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await TestCluster.StartAsync(2, configure: options => options.Rpc
            .Register("wait", async (CancellationToken cancellation) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellation);
            }));
        var other = cluster[1].Node;
        var call = cluster[0].Rpc.Call<object>(other, "wait", [], LongerThanAnyTest).AsTask();
        await started.Task.Within("the function to start");

        await cluster[1].StopAsync(TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RpcException>(() => call).Within("the call to fail");
        Assert.Equal(RpcFailure.NodeDown, error.Failure);
        Assert.Contains($"the node {other} is down", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_to_a_node_that_stops_while_the_function_ignores_its_token_fails_with_nodedown_when_the_node_is_gone()
    {
        var (cluster, call) = await CallThatNeverReturnsAsync();
        await using var _ = cluster;

        await cluster[1].StopAsync(TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RpcException>(() => call).Within("the call to fail");
        Assert.Equal(RpcFailure.NodeDown, error.Failure);
    }

    [Fact]
    public async Task A_call_whose_connection_is_lost_during_the_call_fails_with_nodedown()
    {
        var (cluster, call) = await CallThatNeverReturnsAsync();
        await using var _ = cluster;

        cluster[0].Disconnect(cluster[1].Node);

        var error = await Assert.ThrowsAsync<RpcException>(() => call).Within("the call to fail");
        Assert.Equal(RpcFailure.NodeDown, error.Failure);
        Assert.Empty(cluster[0].Distribution!.Get(cluster[1].Node).PendingCalls);
    }

    [Fact]
    public async Task A_call_to_a_node_that_is_not_a_member_or_has_stopped_fails_at_once_with_nodedown()
    {
        await using var cluster = await Cluster(3);
        var stranger = NodeName.Parse("stranger@localhost");
        var stopped = cluster[2].Node;
        await cluster[2].StopAsync(TestContext.Current.CancellationToken);

        var unknown = await CallFails<int>(cluster[0], stranger, "math.add", [1, 2], LongerThanAnyTest);
        var gone = await CallFails<int>(cluster[0], stopped, "math.add", [1, 2], LongerThanAnyTest);

        Assert.Equal((RpcFailure.NodeDown, stranger), (unknown.Failure, unknown.Node));
        Assert.Equal((RpcFailure.NodeDown, stopped), (gone.Failure, gone.Node));
    }

    [Fact]
    public async Task A_node_that_is_not_distributed_calls_itself_and_gets_nodedown_for_any_other_node()
    {
        await using var node = TestNode.Start(TestFunctions.Register);
        var other = NodeName.Parse("other@localhost");

        var error = await CallFails<int>(node, other, "math.add", [1, 2], LongerThanAnyTest);

        Assert.Equal(RpcFailure.NodeDown, error.Failure);
        Assert.Contains("is not distributed", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, await node.Rpc.Call<int>(node.Node, "math.add", [1, 2]));
    }

    [Fact]
    public async Task Calls_run_side_by_side_so_functions_that_wait_for_each_other_all_finish()
    {
        const int Together = 4;
        var arrived = 0;
        var allThere = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await TestCluster.StartAsync(2, configure: options => options.Rpc.Register("rendezvous", async () =>
        {
            if (Interlocked.Increment(ref arrived) == Together)
            {
                allThere.TrySetResult();
            }
            await allThere.Task; // Only if every call runs at once does any of them finish.
            return Environment.CurrentManagedThreadId;
        }));

        var calls = Enumerable.Range(0, Together).Select(_ => cluster[0].Rpc.Call<int>(cluster[1].Node, "rendezvous", []).AsTask());

        Assert.Equal(Together, (await Task.WhenAll(calls).Within("every call to finish")).Length);
    }

    [Fact]
    public async Task A_function_that_blocks_its_thread_does_not_hold_up_other_calls_from_the_same_node()
    {
        using var release = new ManualResetEventSlim();
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await TestCluster.StartAsync(2, configure: options =>
        {
            TestFunctions.Register(options);
            options.Rpc.Register("block", () =>
            {
                blocked.TrySetResult();
                return release.Wait(TimeSpan.FromMinutes(1)); // Blocks a thread-pool thread, never the connection's reader.
            });
        });
        var other = cluster[1].Node;
        var blocking = cluster[0].Rpc.Call<bool>(other, "block", [], LongerThanAnyTest).AsTask();
        await blocked.Task.Within("the blocking function to start");

        Assert.Equal(3, await cluster[0].Rpc.Call<int>(other, "math.add", [1, 2]).AsTask().Within("a call behind the blocked one"));

        release.Set();
        Assert.True(await blocking.Within("the blocked call to finish"));
    }

    /// <summary>Two nodes, and a call from the first to a function of the second that has started and never returns.</summary>
    private static async Task<(TestCluster Cluster, Task<object> Call)> CallThatNeverReturnsAsync()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();
        var cluster = await TestCluster.StartAsync(2, configure: options => options.Rpc
            .Register("stuck", async () =>
            {
                started.TrySetResult();
                await never.Task;
            }));
        var call = cluster[0].Rpc.Call<object>(cluster[1].Node, "stuck", [], LongerThanAnyTest).AsTask();
        await started.Task.Within("the function to start");
        return (cluster, call);
    }
}

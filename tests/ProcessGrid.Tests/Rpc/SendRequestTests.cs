namespace ProcessGrid.Tests.Rpc;

/// <summary><c>erpc:send_request</c> and <c>receive_response</c>: calls sent now, answers received later, with a timeout.</summary>
public sealed class SendRequestTests
{
    private static readonly TimeSpan LongerThanAnyTest = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Requests_to_several_nodes_run_side_by_side_and_their_responses_are_received_later()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await TestCluster.StartAsync(3, configure: options => options.Rpc.Register("held", async (IProcessGrid grid) =>
        {
            await release.Task;
            return grid.Node;
        }));

        var first = cluster[0].Rpc.SendRequest<NodeName>(cluster[1].Node, "held");
        var second = cluster[0].Rpc.SendRequest<NodeName>(cluster[2].Node, "held");
        Assert.False(first.HasArrived);
        release.SetResult();

        Assert.Equal(cluster[1].Node, await first.ReceiveResponse(LongerThanAnyTest).AsTask().Within("the first response"));
        Assert.Equal(cluster[2].Node, await second); // Awaiting a request receives its response.
        Assert.True(first.HasArrived);
    }

    [Fact]
    public async Task A_response_that_has_arrived_is_received_however_long_ago_it_came()
    {
        await using var cluster = await TestCluster.StartAsync(2, configure: TestFunctions.Register);

        var request = cluster[0].Rpc.SendRequest<int>(cluster[1].Node, "math.add", 2, 3);
        await TestNode.Eventually(() => request.HasArrived, "the response to arrive");

        Assert.Equal(5, await request.ReceiveResponse(TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public async Task A_response_that_does_not_come_in_time_is_a_timeout_and_the_request_is_abandoned()
    {
        var never = new TaskCompletionSource<int>();
        await using var cluster = await TestCluster.StartAsync(2, configure: options => options.Rpc.Register("never", () => never.Task));
        var other = cluster[1].Node;
        var request = cluster[0].Rpc.SendRequest<int>(other, "never");

        var error = await Assert.ThrowsAsync<RpcException>(() => request.ReceiveResponse(TimeSpan.FromMilliseconds(200)).AsTask()).Within("the timeout");

        Assert.Equal(RpcFailure.Timeout, error.Failure);
        Assert.Empty(cluster[0].Distribution!.Get(other).PendingCalls);
        var again = Assert.Throws<InvalidOperationException>(() => request.ReceiveResponse());
        Assert.Contains("received once", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_to_a_node_that_goes_down_fails_with_nodedown_when_it_is_received()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<int>();
        await using var cluster = await TestCluster.StartAsync(2, configure: options => options.Rpc.Register("never", () =>
        {
            started.TrySetResult();
            return never.Task;
        }));
        var request = cluster[0].Rpc.SendRequest<int>(cluster[1].Node, "never");
        await started.Task.Within("the function to start");

        await cluster[1].StopAsync(TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RpcException>(() => request.ReceiveResponse(LongerThanAnyTest).AsTask()).Within("the request to fail");
        Assert.Equal(RpcFailure.NodeDown, error.Failure);
    }

    [Fact]
    public async Task A_failed_request_gives_the_same_errors_as_a_call()
    {
        await using var cluster = await TestCluster.StartAsync(2, configure: TestFunctions.Register);
        var other = cluster[1].Node;

        var undef = await Assert.ThrowsAsync<RpcException>(async () => await cluster[0].Rpc.SendRequest<int>(other, "math.nope"));
        var badarg = await Assert.ThrowsAsync<RpcException>(async () => await cluster[0].Rpc.SendRequest<int>(other, "math.add", 1));
        var threw = await Assert.ThrowsAsync<RpcException>(async () => await cluster[0].Rpc.SendRequest<int>(other, "fail", "no"));

        Assert.Equal([RpcFailure.Undef, RpcFailure.Badarg, RpcFailure.Exception], new[] { undef.Failure, badarg.Failure, threw.Failure });
    }
}

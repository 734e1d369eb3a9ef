namespace ProcessGrid.Tests.Rpc;

/// <summary>
/// Rpc to silos running as their own OS processes: the functions every node serves answer across processes, and a
/// call to a silo that is killed (SIGKILL) while the call waits fails with <c>nodedown</c>, not with a timeout.
/// </summary>
public sealed class RpcSiloTests
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(20);

    /// <summary>Far longer than the test may take: a call that ended by timeout would fail the test's deadline first.</summary>
    private static readonly TimeSpan LongerThanAnyTest = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_call_to_a_silo_answers_and_a_call_waiting_on_a_silo_killed_with_SIGKILL_fails_with_nodedown()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var observer = cluster[0];
        await using var silo = await cluster.StartSiloAsync("b");
        var b = NodeName.Parse("b@localhost");
        await TestNode.Eventually(() => observer.Nodes.Contains(b), "the silo to connect", Liveness);

        var info = await observer.Rpc.Call<NodeInfo>(b, GridFunctions.NodeInfo, [], Liveness);
        Assert.Equal(b, info.Node);

        // Frozen, it cannot answer: the call waits, on an open connection, until the process is gone.
        silo.Freeze();
        var call = observer.Rpc.Call<NodeInfo>(b, GridFunctions.NodeInfo, [], LongerThanAnyTest).AsTask();
        silo.Kill();

        var error = await Assert.ThrowsAsync<RpcException>(() => call).Within("the call to fail", Liveness);
        Assert.Equal(RpcFailure.NodeDown, error.Failure);
        Assert.Equal(b, error.Node);
    }
}

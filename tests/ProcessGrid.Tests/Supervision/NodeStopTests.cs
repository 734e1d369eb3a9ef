using System.Collections.Concurrent;

namespace ProcessGrid.Tests.Supervision;

/// <summary>Stopping the node stops the supervision trees started on it: last tree first, each in reverse order.</summary>
public sealed class NodeStopTests
{
    [Fact]
    public async Task Stopping_the_node_stops_each_tree_in_reverse_order_last_tree_first()
    {
        var log = new ConcurrentQueue<string>();
        await using var node = TestNode.Start();
        var first = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
        [
            Worker("a"),
            ChildSpec.Supervisor("sub", new SupervisorSpec(RestartStrategy.RestForOne, [Worker("b"), Worker("c")])),
            Worker("d"),
        ]));
        var second = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForAll, [Worker("e"), Worker("f")]));
        var firstExit = node.WhenExited(first);
        var secondExit = node.WhenExited(second);

        await node.StopAsync(TestContext.Current.CancellationToken).Within("the node to stop");

        // The node waits for each tree in turn, and each supervisor for each child: the log is complete.
        Assert.Equal(
        [
            "started a", "started b", "started c", "started d", "started e", "started f",
            "terminated f shutdown", "terminated e shutdown", "terminated d shutdown", "terminated c shutdown", "terminated b shutdown", "terminated a shutdown",
        ],
        log);
        Assert.Equal(ExitReason.Shutdown, await firstExit);
        Assert.Equal(ExitReason.Shutdown, await secondExit);

        ChildSpec Worker(string id) => ChildSpec.Worker<RecordingWorker>(id, id, log);
    }
}

using System.Collections.Concurrent;

namespace ProcessGrid.Tests.Rpc;

/// <summary>
/// <c>rpc:cast</c>, <c>eval_everywhere</c> and <c>abcast</c>: functions run (and messages go) without an answer; what
/// goes wrong is recorded where it happens, never dropped silently.
/// </summary>
public sealed class RpcCastTests
{
    /// <summary>Nodes whose "record" function notes where it ran, so a test can await it.</summary>
    private sealed class Recorder
    {
        public ConcurrentQueue<(NodeName Node, string Note)> Runs { get; } = new();

        public void Register(Runtime.Hosting.ProcessGridOptions options) => options.Rpc.Register("record", (IProcessGrid grid, string note) => Runs.Enqueue((grid.Node, note)));
    }

    [Fact]
    public async Task A_cast_runs_the_function_on_the_other_node()
    {
        var recorder = new Recorder();
        await using var cluster = await TestCluster.StartAsync(2, configure: recorder.Register);

        cluster[0].Rpc.Cast(cluster[1].Node, "record", "cast");

        await TestNode.Eventually(() => recorder.Runs.Contains((cluster[1].Node, "cast")), "the function to run on the other node");
    }

    [Fact]
    public async Task Eval_everywhere_runs_the_function_on_this_node_and_every_connected_one()
    {
        var recorder = new Recorder();
        await using var cluster = await TestCluster.StartAsync(3, configure: recorder.Register);
        await cluster.FullyConnected();

        cluster[1].Rpc.EvalEverywhere("record", "everywhere");

        await TestNode.Eventually(() => recorder.Runs.Count == 3, "the function to run on all three nodes");
        Assert.Equal(cluster.Nodes.Select(n => n.Node).Order(), recorder.Runs.Select(r => r.Node).Order());
    }

    [Fact]
    public async Task A_cast_of_an_unknown_function_or_with_bad_arguments_is_a_dead_letter_on_the_node_that_got_it()
    {
        var recorder = new Recorder();
        await using var cluster = await TestCluster.StartAsync(2, configure: recorder.Register);
        var other = cluster[1];

        cluster[0].Rpc.Cast(other.Node, "nope", 1);
        cluster[0].Rpc.Cast(other.Node, "record", 1);

        await TestNode.Eventually(() => other.DeadLetters.Recent.Count(l => l.Target.StartsWith("rpc ", StringComparison.Ordinal)) == 2, "two dead letters there");
        var letters = other.DeadLetters.Recent.Where(l => l.Target.StartsWith("rpc ", StringComparison.Ordinal)).ToList();
        Assert.Equal($"rpc nope on {other.Node}", letters[0].Target);
        Assert.StartsWith("undef: ", letters[0].Reason, StringComparison.Ordinal);
        Assert.Equal($"rpc record on {other.Node}", letters[1].Target);
        Assert.Contains("argument 1 (note) is int 1, but it must be string", letters[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cast_that_throws_is_logged_on_the_node_that_ran_it()
    {
        await using var cluster = await TestCluster.StartAsync(2, configure: TestFunctions.Register);

        cluster[0].Rpc.Cast(cluster[1].Node, "fail", "cast boom");

        await cluster.Log.WaitFor("rpc cast fail threw System.InvalidOperationException: cast boom");
    }

    [Fact]
    public async Task A_cast_to_a_node_that_cannot_be_reached_is_a_dead_letter_here()
    {
        await using var cluster = await TestCluster.StartAsync(1, configure: TestFunctions.Register);
        var stranger = NodeName.Parse("stranger@localhost");
        await using var lone = TestNode.Start(TestFunctions.Register);

        cluster[0].Rpc.Cast(stranger, "math.add", 1, 2);
        lone.Rpc.Cast(stranger, "math.add", 1, 2);

        await TestNode.Eventually(() => cluster[0].DeadLetters.Recent.Any(l => l.Target == $"rpc math.add on {stranger}"), "a dead letter on the distributed node");
        Assert.Contains(lone.DeadLetters.Recent, l => l.Target == $"rpc math.add on {stranger}" && l.Reason.Contains("not distributed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Abcast_sends_to_the_process_registered_under_the_name_on_every_node()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.FullyConnected();
        var inboxes = cluster.Nodes.Select(node =>
        {
            var probe = Probe.Spawn(node);
            node.Register("listener", probe.Pid);
            return probe;
        }).ToList();

        cluster[2].Rpc.Abcast("listener", "to all");

        foreach (var inbox in inboxes)
        {
            Assert.Equal("to all", await inbox.Expect<string>());
        }
    }
}

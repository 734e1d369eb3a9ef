namespace ProcessGrid.Tests.Global;

/// <summary>
/// What the tests of global names share, whichever table decides the claims (PostgreSQL, or a development cluster's
/// seed): waiting for a node's copy, holder processes, and the scenarios both kinds of cluster must pass alike.
/// </summary>
internal static class GlobalScenarios
{
    /// <summary>How long a node may take to hear of a change.</summary>
    public static readonly TimeSpan Liveness = TimeSpan.FromSeconds(20);

    /// <summary>Waits until <paramref name="node"/>'s copy names <paramref name="expected"/> for <paramref name="name"/> (null: free).</summary>
    public static Task Sees(ProcessNode node, string name, Pid? expected) =>
        TestNode.Eventually(() => node.Global.Whereis(name) == expected, $"{node.Node} to see global '{name}' as {expected?.ToString() ?? "free"}", Liveness);

    /// <summary>A process of <paramref name="node"/> that waits (for "stop"), once it is waiting.</summary>
    public static async Task<Pid> WaitingProcess(ProcessNode node)
    {
        var pid = node.Spawn(async ctx => await ctx.Receive<string>(m => m == "stop"));
        await node.UntilWaiting(pid);
        return pid;
    }

    /// <summary>Ten processes on every node of <paramref name="cluster"/> claim one name at once: one wins, and every node agrees.</summary>
    public static async Task ManyRaceForOneName(TestCluster cluster)
    {
        var contenders = new List<(ProcessNode Node, Pid Pid)>();
        foreach (var node in cluster.Nodes)
        {
            for (var i = 0; i < 10; i++)
            {
                contenders.Add((node, await WaitingProcess(node)));
            }
        }

        var results = await Task.WhenAll(contenders.Select(c => c.Node.Global.Register("race", c.Pid).AsTask()));

        var winner = Assert.Single(contenders.Where((_, i) => results[i])).Pid;
        foreach (var node in cluster.Nodes)
        {
            await Sees(node, "race", winner);
        }
    }
}

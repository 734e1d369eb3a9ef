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

    /// <summary>
    /// A lock held by a process on one node of <paramref name="cluster"/> (three nodes or more) blocks the others, passes
    /// to a waiter on another node at its release, to one on a third node at its holder's exit, and guards transactions.
    /// </summary>
    public static async Task LockPassesOn(TestCluster cluster)
    {
        var first = await WaitingProcess(cluster[1]);
        var second = await WaitingProcess(cluster[2]);
        var third = await WaitingProcess(cluster[0]);

        var held = await cluster[1].Global.Lock("ledger", first, Liveness);
        Assert.NotNull(held);
        Assert.Null(await cluster[2].Global.Lock("ledger", second, TimeSpan.FromMilliseconds(200)));

        var waiting = cluster[2].Global.Lock("ledger", second, Liveness).AsTask();
        Assert.False(waiting.IsCompleted);
        await held.DisposeAsync();
        var passed = await waiting.Within("the waiter on the third node to get the lock after its release", Liveness);
        Assert.Equal(second, passed!.Holder);

        var next = cluster[0].Global.Lock("ledger", third, Liveness).AsTask();
        Assert.False(next.IsCompleted);
        cluster[2].Send(second, "stop");
        Assert.Equal(third, (await next.Within("the lock to pass to the first node when its holder exits", Liveness))!.Holder);

        var blocked = await Record.ExceptionAsync(() => cluster[1].Global.Transaction("ledger", first, () => Task.FromResult(0), TimeSpan.FromMilliseconds(200)));
        Assert.IsType<TimeoutException>(blocked);
        cluster[0].Send(third, "stop");
        Assert.Equal(7, await cluster[1].Global.Transaction("ledger", first, () => Task.FromResult(7), Liveness));
    }
}

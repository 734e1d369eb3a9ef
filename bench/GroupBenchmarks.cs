using System.Diagnostics;
using ProcessGrid.Runtime;

namespace ProcessGrid.Bench;

/// <summary>
/// Process-group figures on connected nodes in this OS process (real sockets between them), each measured like its
/// Erlang/OTP counterpart: how soon joins on one node are visible on another, and how fast one broadcast loop reaches
/// the members of a group on another node.
/// </summary>
internal static class GroupBenchmarks
{
    /// <summary>A broadcast message.</summary>
    public sealed record Tick;

    /// <summary>
    /// Prints <c>pg.join10k.visible_ms</c> (10,000 individual joins on the first node, issued together, until the second
    /// node's <c>GetMembers</c> holds all of them) and <c>pg.bcast1000.rate</c> (broadcasts from the first node to
    /// 1,000 members on the second, deliveries per second until every member has every message).
    /// </summary>
    public static async Task RunAsync(IReadOnlyList<ProcessNode> nodes, bool quick)
    {
        var (from, to) = (nodes[0], nodes[1]);
        var rounds = quick ? 1 : 3;

        await JoinVisibleAsync(from, to, "warm-up.join", 1_000); // JIT, tiering, connection buffers
        var visible = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            visible.Add(await JoinVisibleAsync(from, to, $"join10k.{round}", 10_000));
        }
        Figures.Print("pg.join10k.visible_ms", Median(visible), "ms");

        await BroadcastAsync(from, to, "warm-up.bcast", members: 100, messages: 100);
        var rates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            rates.Add(await BroadcastAsync(from, to, $"bcast1000.{round}", members: 1_000, messages: quick ? 200 : 1_000));
        }
        Figures.Print("pg.bcast1000.rate", Median(rates), "deliveries/s");
    }

    /// <summary>
    /// Spawns <paramref name="count"/> processes on <paramref name="from"/>, then joins each to a group with its own
    /// join call, all issued at once; returns the milliseconds from the first call until <paramref name="to"/> sees
    /// every member (a subscriber there counts the joins it is told of; it is told after they are readable).
    /// </summary>
    private static async Task<double> JoinVisibleAsync(ProcessNode from, ProcessNode to, string group, int count)
    {
        var members = new List<Pid>(count);
        for (var i = 0; i < count; i++)
        {
            members.Add(from.Spawn(async ctx => await ctx.Receive<string>()));
        }
        var allVisible = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var counter = to.Spawn(async ctx =>
        {
            var seen = 0;
            while (seen < count)
            {
                seen += (await ctx.Receive<GroupJoined>()).Pids.Count;
            }
            allVisible.SetResult();
        });
        await to.Groups.MonitorAsync(counter, group);

        var stopwatch = Stopwatch.StartNew();
        var joins = new Task[count];
        for (var i = 0; i < count; i++)
        {
            joins[i] = from.Groups.JoinAsync(group, members[i]).AsTask();
        }
        await allVisible.Task;
        var elapsed = stopwatch.Elapsed.TotalMilliseconds;
        await Task.WhenAll(joins);
        if (to.Groups.GetMembers(group).Count != count)
        {
            throw new InvalidOperationException($"{to.Node} sees {to.Groups.GetMembers(group).Count} members of {group}, not {count}.");
        }

        foreach (var member in members)
        {
            from.Send(member, "stop");
        }
        await UntilAsync(() => to.Groups.GetMembers(group).Count == 0);
        return elapsed;
    }

    /// <summary>
    /// Starts <paramref name="members"/> members of a group on <paramref name="to"/>, then broadcasts
    /// <paramref name="messages"/> messages to the group from <paramref name="from"/>; deliveries per second until
    /// every member has received every message.
    /// </summary>
    private static async Task<double> BroadcastAsync(ProcessNode from, ProcessNode to, string group, int members, int messages)
    {
        var remaining = members;
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pids = new List<Pid>(members);
        for (var i = 0; i < members; i++)
        {
            pids.Add(to.Spawn(async ctx =>
            {
                for (var n = 0; n < messages; n++)
                {
                    await ctx.Receive<Tick>();
                }
                if (Interlocked.Decrement(ref remaining) == 0)
                {
                    allDelivered.SetResult();
                }
                await ctx.Receive<string>();
            }));
        }
        await to.Groups.JoinAsync(group, pids);
        await UntilAsync(() => from.Groups.GetMembers(group).Count == members);

        var tick = new Tick();
        var stopwatch = Stopwatch.StartNew();
        for (var n = 0; n < messages; n++)
        {
            from.Groups.Broadcast(group, tick);
        }
        await allDelivered.Task;
        var rate = (double)members * messages / stopwatch.Elapsed.TotalSeconds;

        foreach (var pid in pids)
        {
            to.Send(pid, "stop");
        }
        await UntilAsync(() => from.Groups.GetMembers(group).Count == 0);
        return rate;
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("The benchmark's group did not settle within 60 s.");
            }
            await Task.Delay(1);
        }
    }

    private static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }
}

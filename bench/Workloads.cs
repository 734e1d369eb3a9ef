using System.Diagnostics;
using ProcessGrid.Runtime;

namespace ProcessGrid.Bench;

/// <summary>The loads both suites measure, wherever the receiving process runs (this node or another).</summary>
internal static class Workloads
{
    /// <summary>
    /// <paramref name="senders"/> processes here each send <paramref name="perSender"/> integers to
    /// <paramref name="receiver"/>, all starting together; msgs/s until <paramref name="received"/> completes (the
    /// receiver has them all).
    /// </summary>
    public static async Task<double> SendAsync(ProcessNode node, Pid receiver, int senders, int perSender, Task received)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var ready = new CountdownEvent(senders);
        for (var s = 0; s < senders; s++)
        {
            node.Spawn(async ctx =>
            {
                ready.Signal();
                await start.Task;
                var message = (object)1;
                for (var i = 0; i < perSender; i++)
                {
                    ctx.Send(receiver, message);
                }
            });
        }
        ready.Wait();
        var stopwatch = Stopwatch.StartNew();
        start.SetResult();
        await received.WaitAsync(TimeSpan.FromMinutes(2));
        return (double)perSender * senders / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>One process here (on a node, or in a client) calls <paramref name="server"/> <paramref name="count"/> times in a row; calls/s and latency percentiles.</summary>
    public static async Task<(double Rate, double P50Us, double P99Us)> SequentialCallsAsync(IProcessGrid node, Pid server, int count)
    {
        var samples = new long[count];
        var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Spawn(async ctx =>
        {
            var request = (object)1;
            var total = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                var before = Stopwatch.GetTimestamp();
                await ctx.Call<object>(server, request);
                samples[i] = Stopwatch.GetTimestamp() - before;
            }
            done.SetResult(total.Elapsed);
        });
        var elapsed = await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Array.Sort(samples);
        var toMicros = 1_000_000.0 / Stopwatch.Frequency;
        return (count / elapsed.TotalSeconds, Figures.Percentile(samples, 0.50) * toMicros, Figures.Percentile(samples, 0.99) * toMicros);
    }
}

using System.Diagnostics;
using ProcessGrid.Runtime;
using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Bench;

/// <summary>
/// Single-node figures, each measured like its Erlang/OTP counterpart: processes sending to processes, a process
/// calling a GenServer, a process spawning processes, and the memory of an idle process.
/// </summary>
internal static class LocalBenchmarks
{
    private sealed record Stop(Pid ReplyTo);

    private sealed class EchoServer : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(request);
    }

    public static async Task RunAsync(bool quick)
    {
        var node = ProcessNode.Start(new ProcessGridOptions { NodeName = "bench@localhost" });
        try
        {
            var messages = quick ? 2_000_000 : 20_000_000;
            await SendAsync(node, senders: 1, messages / 4); // warm-up: JIT, tiering, thread pool
            Figures.Print("local.send.1", await SendAsync(node, senders: 1, messages), "msgs/s");
            Figures.Print("local.send.4", await SendAsync(node, senders: 4, messages), "msgs/s");

            var calls = quick ? 300_000 : 3_000_000;
            await CallAsync(node, calls / 4);
            var (rate, p50, p99) = await CallAsync(node, calls);
            Figures.Print("local.call.rate", rate, "calls/s");
            Figures.Print("local.call.p50_us", p50, "us");
            Figures.Print("local.call.p99_us", p99, "us");

            var spawns = quick ? 200_000 : 1_000_000;
            await SpawnAsync(node, spawns / 4, stayAlive: false);
            Figures.Print("local.spawn.rate", await SpawnAsync(node, spawns, stayAlive: false), "procs/s");
            Figures.Print("local.spawn.live.rate", await SpawnAsync(node, 100_000, stayAlive: true), "procs/s");

            Figures.Print("local.mem.per_proc_bytes", await MemoryPerProcessAsync(node, 100_000), "bytes");
        }
        finally
        {
            await node.StopAsync();
        }
    }

    /// <summary>Senders each send their share of <paramref name="total"/> integers to one receiver; msgs/s until the receiver has them all.</summary>
    private static Task<double> SendAsync(ProcessNode node, int senders, int total)
    {
        var perSender = total / senders;
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiver = node.Spawn(async ctx =>
        {
            for (var i = 0; i < perSender * senders; i++)
            {
                await ctx.Receive();
            }
            received.SetResult();
        });
        return Workloads.SendAsync(node, receiver, senders, perSender, received.Task);
    }

    /// <summary>One process calls an echo GenServer <paramref name="count"/> times in a row; rate and latency percentiles.</summary>
    private static async Task<(double Rate, double P50Us, double P99Us)> CallAsync(ProcessNode node, int count)
    {
        var server = await node.StartAsync<EchoServer>();
        var result = await Workloads.SequentialCallsAsync(node, server, count);
        node.Exit(server, ExitReason.Kill);
        return result;
    }

    /// <summary>
    /// One process spawns <paramref name="count"/> processes; procs/s until all have run. Each either runs and exits
    /// (<c>spawn(fun() -> ok end)</c>: the whole life of a process) or, with <paramref name="stayAlive"/>, starts and
    /// waits in a receive, so that all of them are alive at the end (which mostly measures the garbage collector
    /// promoting them).
    /// </summary>
    private static async Task<double> SpawnAsync(ProcessNode node, int count, bool stayAlive)
    {
        await Settle(node);
        var started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var children = new Pid[count];
        Func<IProcessContext, Task> child = stayAlive
            ? async ctx =>
            {
                Started();
                await ctx.Receive<Stop>();
            }
            : _ =>
            {
                Started();
                return Task.CompletedTask;
            };
        var stopwatch = Stopwatch.StartNew();
        node.Spawn(ctx =>
        {
            for (var i = 0; i < count; i++)
            {
                children[i] = ctx.Spawn(child);
            }
            return Task.CompletedTask;
        });
        await allStarted.Task;
        var elapsed = stopwatch.Elapsed;
        StopAll(node, children);
        return count / elapsed.TotalSeconds;

        void Started()
        {
            if (Interlocked.Increment(ref started) == count)
            {
                allStarted.SetResult();
            }
        }
    }

    /// <summary>Heap growth per idle process (started, waiting in a receive), over <paramref name="count"/> processes.</summary>
    private static async Task<double> MemoryPerProcessAsync(ProcessNode node, int count)
    {
        await Settle(node);
        var started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<IProcessContext, Task> idle = async ctx =>
        {
            if (Interlocked.Increment(ref started) == count)
            {
                allStarted.SetResult();
            }
            await ctx.Receive<Stop>();
        };
        var children = new Pid[count];
        var before = HeapAfterFullCollection();
        for (var i = 0; i < count; i++)
        {
            children[i] = node.Spawn(idle);
        }
        await allStarted.Task;
        await Eventually(() => ThreadPool.PendingWorkItemCount == 0);
        var after = HeapAfterFullCollection();
        GC.KeepAlive(children);
        StopAll(node, children);
        // The pid array belongs to the benchmark, not to the processes.
        return (after - before - (double)count * IntPtr.Size) / count;
    }

    private static void StopAll(ProcessNode node, Pid[] pids)
    {
        foreach (var pid in pids)
        {
            node.Exit(pid, ExitReason.Kill);
        }
    }

    /// <summary>Processes killed by earlier figures unwind on the thread pool after they leave the tables: let them finish.</summary>
    private static Task Settle(ProcessNode node) => Eventually(() => node.Processes().Count == 0 && ThreadPool.PendingWorkItemCount == 0);

    private static long HeapAfterFullCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(10);
        }
    }
}

using System.Diagnostics;
using System.Threading.Channels;
using ProcessGrid.Client;
using ProcessGrid.Runtime;
using ProcessGrid.Runtime.Hosting;
using ProcessGrid.Runtime.Placement;
using ProcessGrid.Samples;

namespace ProcessGrid.Bench;

/// <summary>
/// Figures across OS processes on this machine, each measured like its Erlang/OTP counterpart: the benchmark is one
/// node (the development seed), silos are others. Messages and calls go from processes here to processes on a silo;
/// failures are real signals to silo processes, timed from the signal to what the benchmark's node observes. Every
/// cluster option keeps its default.
/// </summary>
internal static class ClusterBenchmarks
{
    /// <summary>Tells a <see cref="Sink"/>'s reporter that all messages arrived.</summary>
    public sealed record Drained;

    /// <summary>Receives a number of messages, then tells the reporter (runs on a silo).</summary>
    public sealed class Sink(int expected, Pid reporter) : GridProcess
    {
        protected override async Task RunAsync(IProcessContext ctx)
        {
            for (var i = 0; i < expected; i++)
            {
                await ctx.Receive();
            }
            ctx.Send(reporter, new Drained());
        }
    }

    /// <summary>Answers every call with the request (runs on a silo).</summary>
    public sealed class Echo : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(request);
    }

    public static async Task RunAsync(bool quick)
    {
        var options = new ProcessGridOptions { NodeName = "bench@localhost" };
        options.Cluster.ClusterId = $"bench-{Guid.NewGuid():N}";
        options.Cluster.Cookie = Guid.NewGuid().ToString("N");
        options.Cluster.Listen = "127.0.0.1:0";
        var node = await ProcessNode.StartAsync(options);
        var silos = new List<SiloLauncher>();
        try
        {
            var target = await StartSiloAsync(node, "target@localhost", silos);

            var messages = quick ? 300_000 : 2_000_000;
            await SendAsync(node, target.Node, senders: 1, messages / 4); // warm-up: JIT, tiering, connection buffers
            Figures.Print("cluster.send.1", await SendAsync(node, target.Node, senders: 1, messages), "msgs/s");
            Figures.Print("cluster.send.4", await SendAsync(node, target.Node, senders: 4, messages), "msgs/s");

            var echo = await node.SpawnAsync<Echo>(target.Node);
            var calls = quick ? 5_000 : 30_000;
            await Workloads.SequentialCallsAsync(node, echo, calls / 4);
            var (rate, p50, p99) = await Workloads.SequentialCallsAsync(node, echo, calls);
            Figures.Print("cluster.call.p50_us", p50, "us");
            Figures.Print("cluster.call.p99_us", p99, "us");
            Figures.Print("cluster.call.rate", rate, "calls/s");
            Figures.Print("cluster.call.c64.rate", await ConcurrentCallsAsync(node, echo, callers: 64, quick ? 20_000 : 200_000), "calls/s");

            // The same calls from a client that reached the cluster through this node: it calls the silo directly.
            await using (var client = await ConnectClientAsync(node))
            {
                await Workloads.SequentialCallsAsync(client, echo, calls / 4);
                var (clientRate, clientP50, clientP99) = await Workloads.SequentialCallsAsync(client, echo, calls);
                Figures.Print("cluster.client.call.p50_us", clientP50, "us");
                Figures.Print("cluster.client.call.p99_us", clientP99, "us");
                Figures.Print("cluster.client.call.rate", clientRate, "calls/s");
            }

            var rounds = quick ? 1 : 3;
            var nodedown = new List<double>();
            var failover = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var (down, answered) = await KillAsync(node, $"killed{round}@localhost", silos);
                nodedown.Add(down);
                failover.Add(answered);
            }
            Figures.Print("cluster.kill.nodedown_ms", Median(nodedown), "ms");
            Figures.Print("cluster.kill.failover_ms", Median(failover), "ms");

            var frozen = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                frozen.Add(await FreezeAsync(node, $"frozen{round}@localhost", silos));
            }
            Figures.Print("cluster.stop.nodedown_ms", Median(frozen), "ms");
        }
        catch
        {
            foreach (var silo in silos)
            {
                Console.Error.WriteLine($"--- {silo.Node} printed:\n{silo.Output}");
            }
            throw;
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
            await node.StopAsync();
        }
    }

    /// <summary>Connects a client to the benchmark's cluster with the benchmark's node as its gateway.</summary>
    private static Task<GridClient> ConnectClientAsync(ProcessNode node)
    {
        var options = new GridClientOptions { ClusterId = node.Options.Cluster.ClusterId, Cookie = node.Options.Cluster.Cookie, Name = "bench-client@localhost" };
        options.Gateways.Add(node.Endpoint!);
        return GridClient.ConnectAsync(options);
    }

    /// <summary>Starts a silo that joins the benchmark's node, and waits until the benchmark places virtual processes on it.</summary>
    private static async Task<SiloLauncher> StartSiloAsync(ProcessNode node, string name, List<SiloLauncher> silos)
    {
        var silo = await SiloLauncher.StartAsync(
            name, node.Options.Cluster.ClusterId, node.Options.Cluster.Cookie!, node.Endpoint!, typeof(ClusterBenchmarks).Assembly.Location);
        silos.Add(silo);
        await Eventually(() => node.Placement.Members.Contains(silo.Node), TimeSpan.FromSeconds(30), $"{name} to join");
        return silo;
    }

    /// <summary>Senders here each send their share of <paramref name="total"/> integers to one process on <paramref name="target"/>; msgs/s until it has them all.</summary>
    private static async Task<double> SendAsync(ProcessNode node, NodeName target, int senders, int total)
    {
        var perSender = total / senders;
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reporter = node.Spawn(async ctx =>
        {
            await ctx.Receive<Drained>();
            drained.SetResult();
        });
        var sink = await node.SpawnAsync<Sink>(target, perSender * senders, reporter);
        return await Workloads.SendAsync(node, sink, senders, perSender, drained.Task);
    }

    /// <summary><paramref name="callers"/> processes here call <paramref name="echo"/> in a loop, <paramref name="total"/> calls in all; calls/s.</summary>
    private static async Task<double> ConcurrentCallsAsync(ProcessNode node, Pid echo, int callers, int total)
    {
        var perCaller = total / callers;
        var remaining = callers;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopwatch = Stopwatch.StartNew();
        for (var c = 0; c < callers; c++)
        {
            node.Spawn(async ctx =>
            {
                var request = (object)1;
                for (var i = 0; i < perCaller; i++)
                {
                    await ctx.Call<object>(echo, request);
                }
                if (Interlocked.Decrement(ref remaining) == 0)
                {
                    done.SetResult();
                }
            });
        }
        await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        return perCaller * callers / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Starts a silo, puts a counter on it, and SIGKILLs it: milliseconds until this node gets <see cref="NodeDown"/>,
    /// and until the counter answers a call again (activated on a survivor).
    /// </summary>
    private static async Task<(double NodeDownMs, double FailoverMs)> KillAsync(ProcessNode node, string name, List<SiloLauncher> silos)
    {
        var victim = await StartSiloAsync(node, name, silos);
        var key = Enumerable.Range(0, 10_000).Select(i => $"failover-{i}")
            .First(k => VirtualPlacement.OwnerAmong(Pid.ForVirtual("counter", k), node.Placement.Members) == victim.Node);
        var counter = node.Virtual<Counter>(key);
        var placed = await node.Call<NodeName>(counter, new Counter.Locate());
        if (placed != victim.Node)
        {
            throw new InvalidOperationException($"The counter was placed on {placed}, not on {victim.Node}.");
        }
        var (watcher, downs) = WatchNodeDowns(node);

        var killed = Stopwatch.GetTimestamp();
        victim.Kill();
        var down = downs.Reader.ReadAllAsync().FirstAsync(d => d.Node == victim.Node).AsTask();
        while (true)
        {
            try
            {
                await node.Call<NodeName>(counter, new Counter.Locate(), TimeSpan.FromSeconds(1));
                break;
            }
            catch (CallException)
            {
                await Task.Delay(1); // nodedown until the victim is declared dead and the key has a new owner.
            }
        }
        var answered = Stopwatch.GetElapsedTime(killed);
        var (_, downAt) = await down.WaitAsync(TimeSpan.FromSeconds(30));
        node.Exit(watcher, ExitReason.Kill);
        return (Stopwatch.GetElapsedTime(killed, downAt).TotalMilliseconds, answered.TotalMilliseconds);
    }

    /// <summary>Starts a silo and SIGSTOPs it (it hangs with its sockets open): milliseconds until this node gets <see cref="NodeDown"/>.</summary>
    private static async Task<double> FreezeAsync(ProcessNode node, string name, List<SiloLauncher> silos)
    {
        var victim = await StartSiloAsync(node, name, silos);
        var (watcher, downs) = WatchNodeDowns(node);

        var frozen = Stopwatch.GetTimestamp();
        victim.Freeze();
        var (_, downAt) = await downs.Reader.ReadAllAsync().FirstAsync(d => d.Node == victim.Node).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        node.Exit(watcher, ExitReason.Kill);
        await victim.DisposeAsync();
        silos.Remove(victim);
        return Stopwatch.GetElapsedTime(frozen, downAt).TotalMilliseconds;
    }

    /// <summary>A process here that hears of every node that goes down, with the time it heard.</summary>
    private static (Pid Watcher, Channel<(NodeName Node, long At)> Downs) WatchNodeDowns(ProcessNode node)
    {
        var downs = Channel.CreateUnbounded<(NodeName Node, long At)>();
        var watcher = node.Spawn(async ctx =>
        {
            while (true)
            {
                var down = await ctx.Receive<NodeDown>();
                downs.Writer.TryWrite((down.Node, Stopwatch.GetTimestamp()));
            }
        });
        node.MonitorNodes(watcher);
        return (watcher, downs);
    }

    private static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static async Task Eventually(Func<bool> condition, TimeSpan within, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > within)
            {
                throw new TimeoutException($"Timed out after {within} waiting for {what}.");
            }
            await Task.Delay(10);
        }
    }
}

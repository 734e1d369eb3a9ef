using System.Diagnostics;
using ProcessGrid.Runtime;
using ProcessGrid.Runtime.Hosting;
using ProcessGrid.Tests.Infrastructure;

namespace ProcessGrid.Bench;

/// <summary>
/// Figures of the cluster-wide services on three nodes in this process (real sockets between them) with membership
/// and global names in a throwaway PostgreSQL that keeps its durable defaults (fsync, synchronous commit), as Erlang's
/// counterparts were measured on three nodes of this machine.
/// </summary>
internal static class RegistryBenchmarks
{
    /// <summary>Holds a name; stays alive until told to stop.</summary>
    public sealed class Holder : GridProcess
    {
        protected override async Task RunAsync(IProcessContext ctx) => await ctx.Receive<string>(m => m == "stop");
    }

    public static async Task RunAsync(bool quick)
    {
        await using var postgres = await PostgresServer.StartAsync(durable: true);
        var database = await postgres.CreateDatabaseAsync();
        var clusterId = $"bench-{Guid.NewGuid():N}"[..20];
        var nodes = new List<ProcessNode>();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var options = new ProcessGridOptions { NodeName = $"r{i}@localhost" };
                options.Cluster.ClusterId = clusterId;
                options.Cluster.Cookie = "bench-cookie";
                options.Cluster.Listen = "127.0.0.1:0";
                options.Cluster.Database = database;
                nodes.Add(await ProcessNode.StartAsync(options));
            }
            await GlobalAsync(nodes, quick);
            await GroupBenchmarks.RunAsync(nodes, quick);
            await RpcBenchmarks.RunAsync(nodes, quick);
            await StateBenchmarks.RunAsync(database, quick);
        }
        finally
        {
            foreach (var node in Enumerable.Reverse(nodes))
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Registers a name, trying again while the node judges itself cut off from the majority: on a busy machine a probe
    /// answered late can make a node step back for a moment (as designed), which must not end the run. The retry's
    /// time counts in the figure.
    /// </summary>
    private static async Task<bool> RegisterAsync(ProcessNode node, string name, Pid pid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return await node.Global.Register(name, pid);
            }
            catch (GlobalRegistryUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }
    }

    private static async Task GlobalAsync(IReadOnlyList<ProcessNode> nodes, bool quick)
    {
        // Latency: one registration at a time from one node (a process spawned beforehand claims a fresh name).
        var sequential = quick ? 300 : 2_000;
        var holders = Enumerable.Range(0, sequential).Select(_ => nodes[0].Spawn<Holder>()).ToList();
        var latencies = new long[sequential];
        for (var i = 0; i < sequential; i++)
        {
            var started = Stopwatch.GetTimestamp();
            if (!await RegisterAsync(nodes[0], $"seq-{i}", holders[i]))
            {
                throw new InvalidOperationException($"seq-{i} was taken");
            }
            latencies[i] = Stopwatch.GetTimestamp() - started;
        }
        Array.Sort(latencies);
        Figures.Print("global.register.p50_us", Figures.Percentile(latencies, 0.5) * 1e6 / Stopwatch.Frequency, "us");

        // Staleness: from the moment a registration returns (its claim committed) until the other nodes' copies name it.
        var probes = quick ? 100 : 500;
        var visible = new List<double>(probes * 2);
        var probeHolders = Enumerable.Range(0, probes).Select(_ => nodes[0].Spawn<Holder>()).ToList();
        for (var i = 0; i < probes; i++)
        {
            if (!await RegisterAsync(nodes[0], $"vis-{i}", probeHolders[i]))
            {
                throw new InvalidOperationException($"vis-{i} was taken");
            }
            var committed = Stopwatch.GetTimestamp();
            foreach (var other in nodes.Skip(1))
            {
                while (other.Global.Whereis($"vis-{i}") is null)
                {
                    Thread.Yield();
                }
                visible.Add(Stopwatch.GetElapsedTime(committed).TotalMilliseconds);
            }
        }
        visible.Sort();
        Figures.Print("global.visible.p50_ms", visible[visible.Count / 2], "ms");
        Figures.Print("global.visible.p99_ms", visible[(int)(visible.Count * 0.99)], "ms");
        Figures.Print("global.visible.max_ms", visible[^1], "ms");

        // Throughput: 64 concurrent registrations in flight, spread over the three nodes.
        var total = quick ? 3_000 : 20_000;
        const int concurrency = 64;
        var perWorker = total / concurrency;
        var pids = Enumerable.Range(0, concurrency).Select(w => Enumerable.Range(0, perWorker).Select(_ => nodes[w % nodes.Count].Spawn<Holder>()).ToList()).ToList();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var node = nodes[w % nodes.Count];
            for (var i = 0; i < perWorker; i++)
            {
                if (!await RegisterAsync(node, $"par-{w}-{i}", pids[w][i]))
                {
                    throw new InvalidOperationException($"par-{w}-{i} was taken");
                }
            }
        }));
        Figures.Print("global.register.rate", concurrency * perWorker / clock.Elapsed.TotalSeconds, "regs/s");

        // Lookups: from another node's local copy, once every name has reached it.
        var names = Enumerable.Range(0, sequential).Select(i => $"seq-{i}").ToArray();
        var reader = nodes[1];
        while (names.Any(n => reader.Global.Whereis(n) is null))
        {
            await Task.Yield();
        }
        var lookups = quick ? 2_000_000 : 20_000_000;
        var found = 0;
        clock.Restart();
        for (var i = 0; i < lookups; i++)
        {
            if (reader.Global.Whereis(names[i % names.Length]) is not null)
            {
                found++;
            }
        }
        var elapsed = clock.Elapsed;
        if (found != lookups)
        {
            throw new InvalidOperationException("A lookup missed a registered name.");
        }
        Figures.Print("global.whereis.ns", elapsed.TotalNanoseconds / lookups, "ns");
    }
}

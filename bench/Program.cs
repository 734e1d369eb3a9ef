using ProcessGrid.Bench;

// Usage: dotnet run -c Release --project bench -- <suite> [--quick]
//   local     single-node figures: send, call, spawn, memory per process
//   cluster   figures across silo processes: send, call, failure detection, failover
//   groups    process groups on three connected nodes in this process: join visibility, broadcast
var suite = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
var quick = args.Contains("--quick");
switch (suite)
{
    case "local":
        await LocalBenchmarks.RunAsync(quick);
        return 0;
    case "cluster":
        await ClusterBenchmarks.RunAsync(quick);
        return 0;
    case "groups":
        await using (var cluster = await InProcessCluster.StartAsync(3))
        {
            await GroupBenchmarks.RunAsync(cluster.Nodes, quick);
        }
        return 0;
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- local|cluster|groups [--quick]");
        Console.Error.WriteLine("  local    single-node figures: local.send.1, local.send.4, local.call.rate, local.call.p50_us, local.call.p99_us, local.spawn.rate, local.spawn.live.rate, local.mem.per_proc_bytes");
        Console.Error.WriteLine("  cluster  across silo processes: cluster.send.1, cluster.send.4, cluster.call.p50_us, cluster.call.p99_us, cluster.call.rate, cluster.call.c64.rate, cluster.kill.nodedown_ms, cluster.kill.failover_ms, cluster.stop.nodedown_ms");
        Console.Error.WriteLine("  groups   three nodes in this process: pg.join10k.visible_ms, pg.bcast1000.rate");
        return 2;
}

using ProcessGrid.Bench;

// Usage: dotnet run -c Release --project bench -- <suite> [--quick]
//   local     single-node figures: send, call, spawn, memory per process
//   cluster   figures across silo processes: send, call, failure detection, failover
//   registry  global names, process groups, rpc and persistent state on three nodes with PostgreSQL
//   state     persistent state in a given PostgreSQL: write and read latency (connection string as the next argument)
//   rpc       rpc across three in-process nodes: call, multicall
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
    case "registry":
        await RegistryBenchmarks.RunAsync(quick);
        return 0;
    case "state" when args.SkipWhile(a => a != "state").Skip(1).FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) is { } database:
        await StateBenchmarks.RunAsync(database, quick);
        return 0;
    case "rpc":
        await using (var cluster = await InProcessCluster.StartAsync(3))
        {
            await RpcBenchmarks.RunAsync(cluster.Nodes, quick);
        }
        return 0;
    case "groups":
        await using (var cluster = await InProcessCluster.StartAsync(3))
        {
            await GroupBenchmarks.RunAsync(cluster.Nodes, quick);
        }
        return 0;
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- local|cluster|registry|rpc|groups [--quick]");
        Console.Error.WriteLine("       dotnet run -c Release --project bench -- state \"<PostgreSQL connection string>\" [--quick]");
        Console.Error.WriteLine("  local    single-node figures: local.send.1, local.send.4, local.call.rate, local.call.p50_us, local.call.p99_us, local.spawn.rate, local.spawn.live.rate, local.mem.per_proc_bytes");
        Console.Error.WriteLine("  cluster  across silo processes: cluster.send.1, cluster.send.4, cluster.call.p50_us, cluster.call.p99_us, cluster.call.rate, cluster.call.c64.rate, cluster.kill.nodedown_ms, cluster.kill.failover_ms, cluster.stop.nodedown_ms");
        Console.Error.WriteLine("  registry three nodes on PostgreSQL: global.register.rate, global.register.p50_us, global.whereis.ns, pg.join10k.visible_ms, pg.bcast1000.rate, rpc.call.p50_us, rpc.multicall3.p50_us, state.*");
        Console.Error.WriteLine("  groups   three in-process nodes: pg.join10k.visible_ms, pg.bcast1000.rate");
        Console.Error.WriteLine("  rpc      three in-process nodes: rpc.call.p50_us, rpc.multicall3.p50_us");
        Console.Error.WriteLine("  state    persistent state in PostgreSQL: state.write.p50_us, state.write.p99_us, state.read.p50_us, state.read.p99_us");
        return 2;
}

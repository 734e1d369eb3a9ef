using ProcessGrid.Bench;

// Usage: dotnet run -c Release --project bench -- <suite> [--quick]
//   local     single-node figures: send, call, spawn, memory per process
var suite = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
var quick = args.Contains("--quick");
switch (suite)
{
    case "local":
        await LocalBenchmarks.RunAsync(quick);
        return 0;
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- local [--quick]");
        Console.Error.WriteLine("  local    single-node figures: local.send.1, local.send.4, local.call.rate, local.call.p50_us, local.call.p99_us, local.spawn.rate, local.spawn.live.rate, local.mem.per_proc_bytes");
        return 2;
}

using System.Diagnostics;
using ProcessGrid.Runtime;

namespace ProcessGrid.Bench;

/// <summary>
/// Rpc figures across nodes, each measured like its Erlang/OTP counterpart: <c>erpc:call</c> of a trivial function on
/// another node, one call after the other, and <c>rpc:multicall</c> of it to every node of the cluster (the caller's
/// own included). Given nodes that are already connected; the function is registered on each for the run.
/// </summary>
internal static class RpcBenchmarks
{
    private const string Function = "bench.identity";

    public static async Task RunAsync(IReadOnlyList<ProcessNode> nodes, bool quick)
    {
        foreach (var node in nodes)
        {
            node.Rpc.Unregister(Function);
            node.Rpc.Register(Function, (int value) => value);
        }
        var caller = nodes[0];
        var callee = nodes[1].Node;
        var everyone = nodes.Select(n => n.Node).ToArray();
        object?[] args = [1];

        var calls = quick ? 5_000 : 30_000;
        await MeasureAsync(calls / 4, () => caller.Rpc.Call<int>(callee, Function, args)); // warm-up: JIT, tiering, connection buffers
        Figures.Print("rpc.call.p50_us", await MeasureAsync(calls, () => caller.Rpc.Call<int>(callee, Function, args)), "us");

        var multicalls = quick ? 2_000 : 10_000;
        await MeasureAsync(multicalls / 4, () => new ValueTask<MulticallResult<int>>(caller.Rpc.Multicall<int>(everyone, Function, args)));
        Figures.Print($"rpc.multicall{everyone.Length}.p50_us",
            await MeasureAsync(multicalls, () => new ValueTask<MulticallResult<int>>(caller.Rpc.Multicall<int>(everyone, Function, args))), "us");

        foreach (var node in nodes)
        {
            node.Rpc.Unregister(Function);
        }
    }

    /// <summary>Runs <paramref name="count"/> operations one after the other; the median time of one, in microseconds.</summary>
    private static async Task<double> MeasureAsync<T>(int count, Func<ValueTask<T>> operation)
    {
        var samples = new long[count];
        for (var i = 0; i < count; i++)
        {
            var before = Stopwatch.GetTimestamp();
            await operation().ConfigureAwait(false);
            samples[i] = Stopwatch.GetTimestamp() - before;
        }
        Array.Sort(samples);
        return Figures.Percentile(samples, 0.50) * 1_000_000.0 / Stopwatch.Frequency;
    }
}

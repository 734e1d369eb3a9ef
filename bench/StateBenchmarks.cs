using System.Diagnostics;
using ProcessGrid.Runtime;
using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Bench;

/// <summary>
/// Persistent state in PostgreSQL, measured as a virtual process sees it: the latency of one call that writes its
/// state (one conditional update, committed durably) and of one that reads it again (one select), sequential, on one
/// node. The database is whatever the connection string names; the figures are mostly its round trip and commit.
/// </summary>
internal static class StateBenchmarks
{
    /// <summary>What the benchmark's process stores: a small record, like a cache entry or a counter.</summary>
    public sealed class Payload
    {
        public long Value { get; set; }

        public string Text { get; set; } = "";
    }

    /// <summary>Writes its state on <c>long</c> requests, reads it again on anything else; replies with the version.</summary>
    [VirtualProcess(Kind = "bench-state")]
    public sealed class Register(IPersistentState<Payload> state) : GenServer
    {
        protected override async ValueTask<object?> HandleCallAsync(object request, CallFrom from)
        {
            if (request is long value)
            {
                state.State.Value = value;
                state.State.Text = $"value {value}";
                await state.WriteStateAsync();
            }
            else
            {
                await state.ReadStateAsync();
            }
            return state.Version;
        }
    }

    public static async Task RunAsync(string connectionString, bool quick)
    {
        var options = new ProcessGridOptions { NodeName = "bench@localhost" };
        options.Persistence.Database = connectionString;
        options.Cluster.ClusterId = $"bench-{Guid.NewGuid():N}"[..20]; // Each run its own records.
        await using var node = ProcessNode.Start(options);
        var register = node.Virtual<Register>("register");

        var operations = quick ? 500 : 5_000;
        await MeasureAsync(node, register, operations / 5, write: true); // warm-up: JIT, the pool's connections, the table
        await MeasureAsync(node, register, operations / 5, write: false);

        var writes = await MeasureAsync(node, register, operations, write: true);
        Figures.Print("state.write.p50_us", Figures.Percentile(writes, 0.50), "us");
        Figures.Print("state.write.p99_us", Figures.Percentile(writes, 0.99), "us");
        var reads = await MeasureAsync(node, register, operations, write: false);
        Figures.Print("state.read.p50_us", Figures.Percentile(reads, 0.50), "us");
        Figures.Print("state.read.p99_us", Figures.Percentile(reads, 0.99), "us");
    }

    /// <summary>Sequential calls; returns each one's latency in microseconds, sorted.</summary>
    private static async Task<long[]> MeasureAsync(ProcessNode node, Pid register, int count, bool write)
    {
        var samples = new long[count];
        object read = "read";
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await node.Call<long>(register, write ? (long)i : read);
            samples[i] = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(samples);
        return samples;
    }
}

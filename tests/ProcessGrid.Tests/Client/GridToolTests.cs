using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ProcessGrid.Tests.Client;

/// <summary>
/// The <c>grid</c> command-line tool, run as its own OS process against real nodes: it lists the cluster's nodes
/// through a gateway, pings a node, takes its settings from flags or the environment, and says what to check when it
/// cannot reach the cluster.
/// </summary>
public sealed class GridToolTests
{
    [Fact]
    public async Task Grid_nodes_lists_the_members_through_a_gateway_and_marks_it()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await cluster.FullyConnected();

        var (exit, output, error) = await RunAsync(["nodes", "--gateway", cluster[1].Endpoint!, "--cookie", cluster.Cookie, "--cluster", cluster.ClusterId]);

        Assert.True(exit == 0, $"exit code {exit}: {error}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("NODE", lines[0]);
        Assert.Matches($@"^n1@localhost\s+active\s+{cluster[0].Endpoint}\s+{cluster[0].Creation}$", lines[1]);
        Assert.Matches($@"^n2@localhost\s+active\s+{cluster[1].Endpoint}\s+{cluster[1].Creation}\s+\(gateway\)$", lines[2]);
    }

    [Fact]
    public async Task Grid_ping_answers_pong_for_a_node_and_pang_for_one_that_is_not_there_with_settings_from_the_environment()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var environment = new Dictionary<string, string>
        {
            ["GRID_GATEWAY"] = cluster[0].Endpoint!,
            ["GRID_COOKIE"] = cluster.Cookie,
            ["GRID_CLUSTER"] = cluster.ClusterId,
        };

        var pong = await RunAsync(["ping", "n2@localhost"], environment);
        var pang = await RunAsync(["ping", "nobody@localhost"], environment);

        Assert.Equal((0, "pong"), (pong.Exit, pong.Output.Trim()));
        Assert.Equal((1, "pang"), (pang.Exit, pang.Output.Trim()));
    }

    private sealed class Ledger : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(request);
    }

    [Fact]
    public async Task Grid_info_processes_process_and_names_show_what_a_node_knows_of_itself_its_processes_and_the_global_names()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await cluster.FullyConnected();
        var ledger = await cluster[1].StartAsync<Ledger>();
        cluster[1].Register("ledger", ledger);
        var gone = cluster[1].Spawn(_ => Task.CompletedTask);
        await cluster[1].WhenExited(gone);
        string[] settings = ["--gateway", cluster[0].Endpoint!, "--cookie", cluster.Cookie, "--cluster", cluster.ClusterId];

        var info = await RunAsync(["info", "n2@localhost", .. settings]);
        var processes = await RunAsync(["processes", "n2@localhost", .. settings]);
        var process = await RunAsync(["process", ledger.ToString(), .. settings]);
        var exited = await RunAsync(["process", gone.ToString(), .. settings]);
        var nobody = await RunAsync(["processes", "nobody@localhost", .. settings]);
        Assert.True(await cluster[1].Global.Register("orders-leader", ledger));
        await TestNode.Eventually(() => cluster[0].Global.Whereis("orders-leader") == ledger, "the gateway to know the global name");
        var names = await RunAsync(["names", .. settings]);

        Assert.True(info.Exit == 0, info.Error);
        Assert.Matches($@"(?m)^creation\s+{cluster[1].Creation}$", info.Output);
        Assert.Matches($@"(?m)^connected\s+.*n1@localhost", info.Output);
        Assert.True(processes.Exit == 0, processes.Error);
        Assert.StartsWith("PID", processes.Output);
        Assert.Matches($@"(?m)^{Regex.Escape(ledger.ToString())}\s+.*Ledger\s+waiting\s+0\s+0\s+ledger$", processes.Output);
        Assert.True(process.Exit == 0, process.Error);
        Assert.Matches(@"(?m)^registered name\s+ledger$", process.Output);
        Assert.Matches(@"(?m)^status\s+waiting$", process.Output);
        Assert.Equal(1, exited.Exit);
        Assert.Contains("is not a live process of n2@localhost", exited.Error);
        Assert.Equal(1, nobody.Exit);
        Assert.Contains("nobody@localhost did not answer", nobody.Error);
        Assert.True(names.Exit == 0, names.Error);
        Assert.Matches($@"(?m)^orders-leader\s+{Regex.Escape(ledger.ToString())}$", names.Output);
    }

    [Fact]
    public async Task Grid_says_what_to_check_when_it_cannot_reach_the_cluster_or_is_misused()
    {
        await using var cluster = await TestCluster.StartAsync(1);

        var wrongCookie = await RunAsync(["nodes", "--gateway", cluster[0].Endpoint!, "--cookie", "wrong", "--cluster", cluster.ClusterId]);
        var usage = await RunAsync(["ping"]);
        var badNode = await RunAsync(["ping", "not-a-node"]);

        Assert.Equal(3, wrongCookie.Exit);
        Assert.Contains("did not prove the cluster cookie", wrongCookie.Error);
        Assert.Contains("ProcessGrid:Client:Cookie", wrongCookie.Error);
        Assert.Equal(2, usage.Exit);
        Assert.Contains("'ping' is not a command", usage.Error);
        Assert.Contains("usage: grid <command>", usage.Error);
        Assert.Equal(2, badNode.Exit);
        Assert.Contains("'not-a-node' is not a node name", badNode.Error);
    }

    /// <summary>Runs the tool (<c>dotnet grid.dll</c>) and waits for it to exit.</summary>
    private static async Task<(int Exit, string Output, string Error)> RunAsync(string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "grid.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in new[] { "GRID_GATEWAY", "GRID_COOKIE", "GRID_CLUSTER", "GRID_TIMEOUT" })
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the grid tool.");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"grid {string.Join(' ', arguments)} did not exit within 60 s. It printed: {await output}{await error}");
        }
        return (process.ExitCode, await output, await error);
    }
}

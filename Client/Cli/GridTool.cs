using System.Globalization;
using ProcessGrid.Client;

namespace ProcessGrid.Cli;

/// <summary>
/// The grid tool: connects to a cluster as a client (see <see cref="GridClient"/>), runs one command, and leaves. It
/// exits with <see cref="Success"/>, <see cref="Pang"/> when a pinged node does not answer, <see cref="UsageError"/>
/// for a command line or setting it cannot use, and <see cref="Unreachable"/> when it cannot reach the cluster.
/// </summary>
internal static class GridTool
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary><c>grid ping</c>: the node did not answer; for the other commands, the node (or process) could not answer.</summary>
    public const int Pang = 1;

    /// <summary>The command line or a setting is wrong; the tool says which.</summary>
    public const int UsageError = 2;

    /// <summary>No gateway could be used; the tool says what each answered and what to check.</summary>
    public const int Unreachable = 3;

    /// <summary>Runs the command in <paramref name="args"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        ToolArguments arguments;
        try
        {
            arguments = ToolArguments.Parse(args, environment);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"grid: {e.Message}\n\n{ToolArguments.Usage}").ConfigureAwait(false);
            return UsageError;
        }
        if (arguments.Command == "help")
        {
            await output.WriteLineAsync(ToolArguments.Usage).ConfigureAwait(false);
            return Success;
        }
        Func<GridClient, Task<int>> command;
        switch (arguments.Command, arguments.Operands.Count)
        {
            case ("nodes", 0):
                command = client => NodesAsync(client, output);
                break;
            case ("ping", 1) when NodeName.TryParse(arguments.Operands[0], out var node):
                command = client => PingAsync(client, node, output);
                break;
            case ("names", 0):
                // The gateway is known once the client is connected: it answers from its own copy.
                command = client => NamesAsync(client, client.Gateway ?? client.Members[0].Node, output, error);
                break;
            case ("names", 1) when NodeName.TryParse(arguments.Operands[0], out var node):
                command = client => NamesAsync(client, node, output, error);
                break;
            case ("info" or "processes", 1) when NodeName.TryParse(arguments.Operands[0], out var node):
                command = arguments.Command == "info" ? client => InfoAsync(client, node, output, error) : client => ProcessesAsync(client, node, output, error);
                break;
            case ("ping" or "info" or "processes" or "names", 1):
                await error.WriteLineAsync($"grid: '{arguments.Operands[0]}' is not a node name: write it as name@host, for example alpha@localhost.").ConfigureAwait(false);
                return UsageError;
            case ("process", 1) when Pid.TryParse(arguments.Operands[0], out var pid) && pid.IsVirtual:
                await error.WriteLineAsync($"grid: {pid} is a virtual process, which lives on whichever node activated it: ask for the processes of a node (grid processes <node>) and use the pid shown there.").ConfigureAwait(false);
                return UsageError;
            case ("process", 1) when Pid.TryParse(arguments.Operands[0], out var pid):
                command = client => ProcessAsync(client, pid, output, error);
                break;
            case ("process", 1):
                await error.WriteLineAsync($"grid: '{arguments.Operands[0]}' is not a pid: write it as grid processes prints it, for example <alpha@localhost.154271.7>.").ConfigureAwait(false);
                return UsageError;
            default:
                await error.WriteLineAsync($"grid: '{string.Join(' ', [arguments.Command, .. arguments.Operands])}' is not a command.\n\n{ToolArguments.Usage}").ConfigureAwait(false);
                return UsageError;
        }

        GridClient client;
        try
        {
            client = await GridClient.ConnectAsync(arguments.Options).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"grid: {e.Message}").ConfigureAwait(false);
            return UsageError;
        }
        catch (GridConnectException e)
        {
            await error.WriteLineAsync($"grid: {e.Message} (The tool's flags for these settings: --cluster, --cookie, --gateway.)").ConfigureAwait(false);
            return Unreachable;
        }
        await using (client.ConfigureAwait(false))
        {
            return await command(client).ConfigureAwait(false);
        }
    }

    /// <summary><c>grid nodes</c>: one line per member, the gateway marked.</summary>
    private static async Task<int> NodesAsync(GridClient client, TextWriter output)
    {
        string[] header = ["NODE", "STATUS", "ADDRESS", "CREATION", ""];
        var rows = client.Members.Select(m => new[]
        {
            m.Node.Value,
            m.Status switch { MemberStatus.Joining => "joining", MemberStatus.Active => "active", _ => "shutting-down" },
            m.Endpoint,
            m.Creation.ToString(CultureInfo.InvariantCulture),
            m.Node == client.Gateway ? "(gateway)" : "",
        }).ToList();
        await WriteTableAsync(output, header, rows).ConfigureAwait(false);
        return Success;
    }

    /// <summary><c>grid ping node</c>: pong or pang, as Erlang's <c>net_adm:ping</c>.</summary>
    private static async Task<int> PingAsync(GridClient client, NodeName node, TextWriter output)
    {
        var answered = await client.PingAsync(node).ConfigureAwait(false);
        await output.WriteLineAsync(answered ? "pong" : "pang").ConfigureAwait(false);
        return answered ? Success : Pang;
    }

    /// <summary><c>grid info node</c>: what the node says about itself (its built-in rpc function <c>grid.node_info</c>).</summary>
    private static async Task<int> InfoAsync(GridClient client, NodeName node, TextWriter output, TextWriter error)
    {
        NodeInfo info;
        try
        {
            info = await client.Rpc.Call<NodeInfo>(node, GridFunctions.NodeInfo, []).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return await NoAnswerAsync(error, node, e).ConfigureAwait(false);
        }
        string[][] rows =
        [
            ["node", info.Node.Value],
            ["creation", info.Creation.ToString(CultureInfo.InvariantCulture)],
            ["address", info.Endpoint ?? "-"],
            ["started", info.StartedAt.ToString("u", CultureInfo.InvariantCulture)],
            ["uptime", info.Uptime.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture)],
            ["processes", info.ProcessCount.ToString(CultureInfo.InvariantCulture)],
            ["connected", string.Join(", ", info.ConnectedNodes.Select(n => n.Value).Order(StringComparer.Ordinal))],
        ];
        await WriteTableAsync(output, null, rows).ConfigureAwait(false);
        return Success;
    }

    /// <summary><c>grid processes node</c>: one line per process of the node, as Erlang's <c>i()</c> lists them.</summary>
    private static async Task<int> ProcessesAsync(GridClient client, NodeName node, TextWriter output, TextWriter error)
    {
        var infos = new List<ProcessInfo>();
        try
        {
            var pids = await client.Rpc.Call<List<Pid>>(node, GridFunctions.Processes, []).ConfigureAwait(false);
            // Asked a window at a time: a node with many processes answers at its pace without a flood of calls.
            foreach (var window in pids.Chunk(64))
            {
                var answers = await Task.WhenAll(window.Select(pid => client.Rpc.Call<ProcessInfo?>(node, GridFunctions.ProcessInfo, [pid]).AsTask())).ConfigureAwait(false);
                infos.AddRange(answers.OfType<ProcessInfo>()); // a process that exited since the list was taken has no info
            }
        }
        catch (RpcException e)
        {
            return await NoAnswerAsync(error, node, e).ConfigureAwait(false);
        }
        string[] header = ["PID", "TYPE", "STATUS", "QUEUE", "HANDLED", "NAME"];
        var rows = infos.Select(i => new[]
        {
            i.Pid.ToString(),
            i.Type,
            i.Status.ToString().ToLowerInvariant(),
            i.MessageQueueLength.ToString(CultureInfo.InvariantCulture),
            i.MessagesHandled.ToString(CultureInfo.InvariantCulture),
            i.RegisteredName ?? "",
        }).ToList();
        await WriteTableAsync(output, header, rows).ConfigureAwait(false);
        return Success;
    }

    /// <summary><c>grid names [node]</c>: the global names and their holders, as that node's copy (by default the gateway's) has them.</summary>
    private static async Task<int> NamesAsync(GridClient client, NodeName node, TextWriter output, TextWriter error)
    {
        List<GlobalName> names;
        try
        {
            names = await client.Rpc.Call<List<GlobalName>>(node, GridFunctions.GlobalNames, []).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return await NoAnswerAsync(error, node, e).ConfigureAwait(false);
        }
        string[] header = ["NAME", "HOLDER"];
        var rows = names.OrderBy(n => n.Name, StringComparer.Ordinal).Select(n => new[] { n.Name, n.Holder.ToString() }).ToList();
        await WriteTableAsync(output, header, rows).ConfigureAwait(false);
        return Success;
    }

    /// <summary><c>grid process pid</c>: what its node knows of one process (Erlang's <c>process_info/1</c>).</summary>
    private static async Task<int> ProcessAsync(GridClient client, Pid pid, TextWriter output, TextWriter error)
    {
        ProcessInfo? info;
        try
        {
            info = await client.Rpc.Call<ProcessInfo?>(pid.Node, GridFunctions.ProcessInfo, [pid]).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return await NoAnswerAsync(error, pid.Node, e).ConfigureAwait(false);
        }
        if (info is null)
        {
            await error.WriteLineAsync($"grid: {pid} is not a live process of {pid.Node} (it exited, or never ran there).").ConfigureAwait(false);
            return Pang;
        }
        static string Pids(IEnumerable<Pid> pids) => string.Join(", ", pids.Select(p => p.ToString()));
        string[][] rows =
        [
            ["pid", info.Pid.ToString()],
            ["type", info.Type],
            ["status", info.Status.ToString().ToLowerInvariant()],
            ["registered name", info.RegisteredName ?? "-"],
            ["message queue", info.MessageQueueLength.ToString(CultureInfo.InvariantCulture)],
            ["messages handled", info.MessagesHandled.ToString(CultureInfo.InvariantCulture)],
            ["links", Pids(info.Links)],
            ["monitors", Pids(info.Monitors)],
            ["monitored by", Pids(info.MonitoredBy)],
            ["trap exit", info.TrapExit ? "true" : "false"],
            ["parent", info.Parent?.ToString() ?? "-"],
            ["started", info.StartedAt.ToString("u", CultureInfo.InvariantCulture)],
        ];
        await WriteTableAsync(output, null, rows).ConfigureAwait(false);
        return Success;
    }

    private static async Task<int> NoAnswerAsync(TextWriter error, NodeName node, RpcException e)
    {
        await error.WriteLineAsync($"grid: {node} did not answer: {e.Message}").ConfigureAwait(false);
        return Pang;
    }

    /// <summary>Writes <paramref name="rows"/> in columns as wide as their widest cell, under <paramref name="header"/> when there is one.</summary>
    private static async Task WriteTableAsync(TextWriter output, string[]? header, IReadOnlyList<string[]> rows)
    {
        var all = header is null ? rows : [header, .. rows];
        if (all.Count == 0)
        {
            return;
        }
        var widths = Enumerable.Range(0, all[0].Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()).ConfigureAwait(false);
        }
    }
}

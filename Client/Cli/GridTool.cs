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

    /// <summary><c>grid ping</c>: the node did not answer.</summary>
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
            case ("ping", 1):
                await error.WriteLineAsync($"grid: '{arguments.Operands[0]}' is not a node name: write it as name@host, for example alpha@localhost.").ConfigureAwait(false);
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
        var widths = Enumerable.Range(0, header.Length).Select(i => rows.Select(r => r[i].Length).Append(header[i].Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()).ConfigureAwait(false);
        }
        return Success;
    }

    /// <summary><c>grid ping node</c>: pong or pang, as Erlang's <c>net_adm:ping</c>.</summary>
    private static async Task<int> PingAsync(GridClient client, NodeName node, TextWriter output)
    {
        var answered = await client.PingAsync(node).ConfigureAwait(false);
        await output.WriteLineAsync(answered ? "pong" : "pang").ConfigureAwait(false);
        return answered ? Success : Pang;
    }
}

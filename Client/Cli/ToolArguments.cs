using System.Globalization;
using ProcessGrid.Client;

namespace ProcessGrid.Cli;

/// <summary>
/// The grid tool's command line: a command, its operands, and how to reach the cluster. Every connection option can
/// also come from the environment (a flag wins over its variable), so a shell can be set up once for a cluster.
/// </summary>
internal sealed record ToolArguments(string Command, IReadOnlyList<string> Operands, GridClientOptions Options)
{
    /// <summary>Where a silo listens unless told otherwise, and so where the tool looks unless told otherwise.</summary>
    public const string DefaultGateway = "127.0.0.1:4370";

    /// <summary>How long the tool keeps trying to reach a gateway unless told otherwise, in seconds.</summary>
    public const int DefaultTimeoutSeconds = 5;

    /// <summary>What the tool prints for <c>grid help</c> and after a usage error.</summary>
    public const string Usage = """
        usage: grid <command> [options]

        commands:
          nodes          list the cluster's member nodes, as a gateway reports them
          ping <node>    check that a node answers: prints pong, or pang (exit code 1)
          info <node>    what a node says about itself: creation, address, uptime, processes, connections
          processes <node>
                         one line per process of a node: pid, type, status, queue, messages handled, name
          process <pid>  what its node knows of one process: links, monitors, queue, parent, ...
          names [node]   the global names and their holders, as a node (by default the gateway) knows them
          help           print this text

        options (the environment variable in brackets sets the same; a flag wins):
          --gateway host:port   a node to reach the cluster through; repeat it or separate addresses with commas
                                [GRID_GATEWAY] (default 127.0.0.1:4370)
          --cookie secret       the cluster's cookie [GRID_COOKIE] (default: the file ~/.processgrid.cookie)
          --cluster id          the cluster's id [GRID_CLUSTER] (default: default)
          --timeout seconds     how long to keep trying to reach a gateway [GRID_TIMEOUT] (default 5)
        """;

    /// <summary>Reads <paramref name="args"/>, with <paramref name="environment"/> for what the flags leave unset.</summary>
    /// <exception cref="UsageException">The command line is not one the tool understands; the message says what is wrong.</exception>
    public static ToolArguments Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var positional = new List<string>();
        var gateways = new List<string>();
        string? cookie = null, cluster = null, timeout = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(arg);
                continue;
            }
            var (flag, value) = arg.IndexOf('=') is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            if (flag == "--help")
            {
                positional.Insert(0, "help");
                continue;
            }
            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"{flag} needs a value.");
                }
                value = args[++i];
            }
            switch (flag)
            {
                case "--gateway":
                    gateways.Add(value);
                    break;
                case "--cookie":
                    cookie = value;
                    break;
                case "--cluster":
                    cluster = value;
                    break;
                case "--timeout":
                    timeout = value;
                    break;
                default:
                    throw new UsageException($"unknown option {flag}.");
            }
        }
        if (positional.Count == 0)
        {
            throw new UsageException("no command given.");
        }

        var options = new GridClientOptions
        {
            ClusterId = cluster ?? environment("GRID_CLUSTER") ?? "default",
            Cookie = cookie ?? environment("GRID_COOKIE"),
            MaxConnectAttemptTime = TimeSpan.FromSeconds(ParseSeconds(timeout ?? environment("GRID_TIMEOUT"))),
        };
        foreach (var gateway in gateways.Count > 0 ? gateways : [environment("GRID_GATEWAY") ?? DefaultGateway])
        {
            options.Gateways.Add(gateway);
        }
        return new ToolArguments(positional[0], positional[1..], options);
    }

    private static double ParseSeconds(string? text)
    {
        if (text is null)
        {
            return DefaultTimeoutSeconds;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : throw new UsageException($"--timeout (GRID_TIMEOUT) is '{text}'; give a positive number of seconds, for example 5.");
    }
}

/// <summary>The command line is not one the tool understands.</summary>
internal sealed class UsageException(string message) : Exception(message);

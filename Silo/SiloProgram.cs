using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProcessGrid.Runtime;
using ProcessGrid.Runtime.Cluster;
using ProcessGrid.Runtime.Hosting;
using ProcessGrid.Samples;

namespace ProcessGrid.Silo;

/// <summary>Builds and runs the node's host: configuration, logging, the node, and a clean stop on Ctrl+C or SIGTERM.</summary>
internal static class SiloProgram
{
    /// <summary>Where a silo listens when nothing else is configured, so that another can <c>--join</c> it.</summary>
    public const string DefaultListen = "127.0.0.1:4370";

    /// <summary>The exit code of a silo the cluster declared dead: its supervisor (systemd, Kubernetes) should restart it.</summary>
    public const int DeclaredDeadExitCode = 3;

    /// <summary>Short command-line flags for the settings an operator types most.</summary>
    private static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--name"] = "ProcessGrid:NodeName",
        ["--listen"] = "ProcessGrid:Cluster:Listen",
        ["--advertise"] = "ProcessGrid:Cluster:AdvertisedEndpoint",
        ["--join"] = "ProcessGrid:Cluster:Join",
        ["--cluster"] = "ProcessGrid:Cluster:ClusterId",
        ["--cookie"] = "ProcessGrid:Cluster:Cookie",
        ["--database"] = "ProcessGrid:Cluster:Database",
    };

    /// <summary>Runs the silo until it is asked to stop; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Configuration.AddCommandLine(args, SwitchMappings);
        var listen = builder.Configuration["ProcessGrid:Cluster:Listen"];
        builder.Configuration["ProcessGrid:Cluster:Listen"] = listen switch
        {
            null => DefaultListen,
            "off" or "none" => null, // A node on its own, reachable by no other.
            _ => listen,
        };
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromMinutes(1));
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
        });
        // The samples ship with every silo, so a fresh cluster has something to call; an application adds its own
        // processes with ProcessGrid:Assemblies.
        builder.Services.AddProcessGrid(options => options.AddVirtualProcessesFrom(typeof(Counter).Assembly), builder.Configuration);

        IHost host;
        ProcessNode node;
        try
        {
            host = builder.Build();
            node = host.Services.GetRequiredService<ProcessNode>();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // A bad setting (invalid, or a value the configuration binder cannot convert, such as an unknown enum
            // name): say which and stop, without a stack trace.
            Console.Error.WriteLine($"ProcessGrid silo: configuration error: {e.Message}");
            return 1;
        }

        try
        {
            await host.StartAsync();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException)
        {
            Console.Error.WriteLine($"ProcessGrid silo: {node.Node} could not start: {e.Message}");
            return 1;
        }

        var exitCode = 0;
        _ = node.Termination.ContinueWith(ended =>
        {
            if (ended.Result == NodeTermination.DeclaredDead)
            {
                exitCode = DeclaredDeadExitCode;
                host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            }
        }, TaskScheduler.Default);

        Console.WriteLine($"ProcessGrid node {node.Node} (creation {node.Creation}) is running: {Describe(node.Options.Cluster, node.Endpoint)}.");
        Console.WriteLine("Stop it with Ctrl+C (or SIGTERM); its process trees shut down in order.");
        await host.WaitForShutdownAsync();
        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync(); // Flushes the console log before the last line.
        }
        Console.WriteLine(exitCode == DeclaredDeadExitCode
            ? $"ProcessGrid node {node.Node} stopped: the cluster declared it dead (exit code {DeclaredDeadExitCode}); restart it to rejoin."
            : $"ProcessGrid node {node.Node} stopped.");
        return exitCode;
    }

    private static string Describe(ClusterOptions cluster, string? endpoint)
    {
        if (endpoint is null)
        {
            return "a single node, not distributed (--listen host:port makes it reachable)";
        }
        var membership = cluster.Database is not null
            ? "membership in PostgreSQL"
            : cluster.Join is { } seed ? $"joined the development cluster of the node at {seed}" : "development membership, other nodes join it with --join " + endpoint;
        return $"listening at {endpoint} in cluster '{cluster.ClusterId}', {membership}";
    }
}

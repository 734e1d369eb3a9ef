using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProcessGrid.Runtime;
using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Silo;

/// <summary>Builds and runs the node's host: configuration, logging, the node, and a clean stop on Ctrl+C or SIGTERM.</summary>
internal static class SiloProgram
{
    /// <summary>Runs the silo until it is asked to stop; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromMinutes(1));
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.AddProcessGrid(configuration: builder.Configuration);

        IHost host;
        ProcessNode node;
        try
        {
            host = builder.Build();
            node = host.Services.GetRequiredService<ProcessNode>();
        }
        catch (ArgumentException e)
        {
            // A bad setting: say which and stop, without a stack trace.
            Console.Error.WriteLine($"ProcessGrid silo: configuration error: {e.Message}");
            return 1;
        }

        await host.StartAsync();
        Console.WriteLine($"ProcessGrid node {node.Node} (creation {node.Creation}) is running: a single node with embedded defaults, no database.");
        Console.WriteLine("Stop it with Ctrl+C (or SIGTERM); its process trees shut down in order.");
        await host.WaitForShutdownAsync();
        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync(); // Flushes the console log before the last line.
        }
        Console.WriteLine($"ProcessGrid node {node.Node} stopped.");
        return 0;
    }
}

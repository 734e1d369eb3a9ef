using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace ProcessGrid.Bench;

/// <summary>
/// Runs the silo executable (<c>dotnet ProcessGrid.Silo.dll</c>, built beside the benchmark) as a separate OS process,
/// keeps its output drained, and delivers the signals an operator or a container runtime would.
/// </summary>
internal sealed class SiloLauncher : IAsyncDisposable
{
    private const int Sigkill = 9;
    private const int Sigstop = 19;
    private const int Sigcont = 18;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloLauncher(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The silo's node name.</summary>
    public required NodeName Node { get; init; }

    /// <summary>Starts a silo named <paramref name="name"/> that joins the development cluster seeded at <paramref name="join"/>, and waits until it runs.</summary>
    /// <param name="name">The node name (<c>name@host</c>).</param>
    /// <param name="cluster">The cluster id.</param>
    /// <param name="cookie">The cluster cookie.</param>
    /// <param name="join">The seed node's endpoint.</param>
    /// <param name="assembly">An assembly whose process classes the silo loads (the benchmark's own).</param>
    public static async Task<SiloLauncher> StartAsync(string name, string cluster, string cookie, string join, string assembly)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "ProcessGrid.Silo.dll"),
            "--name", name, "--listen", "127.0.0.1:0", "--cluster", cluster, "--cookie", cookie, "--join", join,
            "--ProcessGrid:Assemblies:0", assembly,
            "--Logging:LogLevel:Default", "Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var silo = new SiloLauncher(Process.Start(start) ?? throw new InvalidOperationException("Could not start the silo process."))
        {
            Node = NodeName.Parse(name),
        };
        var exited = silo._process.WaitForExitAsync();
        if (await Task.WhenAny(silo._running.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != silo._running.Task)
        {
            await silo.DisposeAsync();
            throw new InvalidOperationException($"The silo {name} did not start. It printed:\n{silo.Output}");
        }
        return silo;
    }

    /// <summary>Everything the silo has printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>SIGKILL: the process dies at once; the kernel closes its sockets.</summary>
    public void Kill() => Signal(Sigkill);

    /// <summary>SIGSTOP: the process freezes with its sockets open.</summary>
    public void Freeze() => Signal(Sigstop);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(Sigcont); // A frozen process cannot die until it runs.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (line.Contains("is running", StringComparison.Ordinal))
        {
            _running.TrySetResult();
        }
    }

    private void Signal(int signal)
    {
        if (!_process.HasExited && SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastWin32Error()}.");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

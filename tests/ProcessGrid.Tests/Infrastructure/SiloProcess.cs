using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>
/// A silo running as its own OS process (the real executable, <c>dotnet ProcessGrid.Silo.dll</c>), with its output
/// captured line by line so tests can await what it prints, and signals sent the way an operator or a container
/// runtime sends them.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private const int Sigterm = 15;
    private const int Sigkill = 9;
    private const int Sigstop = 19;
    private const int Sigcont = 18;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts the silo with <paramref name="arguments"/>.</summary>
    public static SiloProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ProcessGrid.Silo.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return new SiloProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start the silo process."));
    }

    /// <summary>Everything the silo has printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>Waits until the silo has printed <paramref name="text"/>.</summary>
    public async Task WaitForOutput(string text, TimeSpan? within = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_output.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The silo did not print '{text}' in time. It printed:\n{Output}");
            }
        }
    }

    /// <summary>Sends SIGTERM, as <c>docker stop</c> and Kubernetes do.</summary>
    public void Terminate() => Signal(Sigterm);

    /// <summary>Sends SIGKILL (<c>kill -9</c>): the process dies at once, its sockets closed by the kernel.</summary>
    public void Kill() => Signal(Sigkill);

    /// <summary>Sends SIGSTOP: the process freezes with its sockets open (a hung node).</summary>
    public void Freeze() => Signal(Sigstop);

    /// <summary>Sends SIGCONT: a frozen process runs again.</summary>
    public void Thaw() => Signal(Sigcont);

    /// <summary>The address the silo advertises, read from its banner (after it has started).</summary>
    public string Endpoint
    {
        get
        {
            const string Marker = "listening at ";
            var output = Output;
            var start = output.IndexOf(Marker, StringComparison.Ordinal);
            if (start < 0)
            {
                throw new InvalidOperationException($"The silo has not said where it listens yet. It printed:\n{output}");
            }
            start += Marker.Length;
            var end = output.IndexOf(' ', start);
            return output[start..end];
        }
    }

    /// <summary>Starts a silo that joins a cluster, and waits until it runs.</summary>
    public static async Task<SiloProcess> StartMemberAsync(string name, string cluster, string cookie, string? join = null, string? database = null, params string[] extra)
    {
        var arguments = new List<string> { "--name", name, "--listen", "127.0.0.1:0", "--cluster", cluster, "--cookie", cookie };
        if (join is not null)
        {
            arguments.AddRange(["--join", join]);
        }
        if (database is not null)
        {
            arguments.AddRange(["--database", database]);
        }
        arguments.AddRange(extra);
        var silo = Start([.. arguments]);
        try
        {
            await silo.WaitForOutput("Stop it with Ctrl+C", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
        return silo;
    }

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExit(TimeSpan? within = null)
    {
        try
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(within ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The silo did not exit within {within ?? TimeSpan.FromSeconds(60)}. It printed:\n{Output}");
        }
        _process.WaitForExit(); // Drains the redirected output.
        return _process.ExitCode;
    }

    private void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastWin32Error()}.");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        TaskCompletionSource changed;
        lock (_gate)
        {
            _output.AppendLine(line);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

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

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

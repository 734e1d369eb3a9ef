using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ProcessGrid.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server for tests. When <c>GRID_TEST_POSTGRES</c> holds a connection string, that server is used;
/// otherwise a throwaway server is created from the machine's PostgreSQL binaries (<c>initdb</c>, <c>pg_ctl</c> on PATH
/// or under /usr/lib/postgresql/*/bin) in a temporary folder, on a free loopback port, and removed afterwards.
/// </summary>
/// <remarks>
/// <para><c>initdb</c> refuses to run as root, so as root the server runs as the unprivileged <c>postgres</c> user
/// (override with <c>PG_OS_USER</c>). Without server binaries the tests fail with a message saying how to install
/// them: never a silent skip.</para>
/// <para><c>pg_ctl</c> daemonizes the server, so a crashed test run can leave one behind: servers live under a known
/// prefix with their owner's process id, and servers whose owner is gone are stopped and removed at the next start.</para>
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string FolderPrefix = "processgrid-pg-";

    private readonly string? _folder;
    private readonly string? _binaries;
    private readonly string? _osUser;

    private PostgresServer(string connectionString, string? folder, string? binaries, string? osUser, int port)
    {
        ConnectionString = connectionString;
        _folder = folder;
        _binaries = binaries;
        _osUser = osUser;
        Port = port;
    }

    /// <summary>The connection string of the server's <c>postgres</c> database.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's port (0 for an external server given by <c>GRID_TEST_POSTGRES</c>).</summary>
    public int Port { get; }

    /// <summary>True when this fixture controls the server (it can stop and start it).</summary>
    public bool IsOwned => _folder is not null;

    /// <summary>Uses <c>GRID_TEST_POSTGRES</c>, or creates and starts a throwaway server.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("GRID_TEST_POSTGRES") is { Length: > 0 } external)
        {
            return new PostgresServer(external, null, null, null, 0);
        }
        var binaries = FindBinaries();
        var osUser = Environment.GetEnvironmentVariable("PG_OS_USER") ?? (Environment.UserName == "root" ? "postgres" : null);
        ReapAbandoned(binaries, osUser);

        var folder = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        if (osUser is not null)
        {
            await RunAsync("chown", [osUser, folder], null);
        }
        await RunAsync(Path.Combine(binaries, "initdb"),
            ["-D", Path.Combine(folder, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"], osUser);

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true", folder, binaries, osUser, port);
            try
            {
                await server.StartServerAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                // Another process took the port between probing and binding: try another.
            }
        }
    }

    /// <summary>Stops the server abruptly (as if the database host failed). Only for an owned server.</summary>
    public async Task StopServerAsync()
    {
        await RunAsync(Path.Combine(RequireOwned(), "pg_ctl"), ["-D", Path.Combine(_folder!, "data"), "-m", "immediate", "-w", "stop"], _osUser);
        // The pooled connections died with the server: a later test must not be handed one (whichever order tests run in).
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Starts the server again on the same port. Only for an owned server.</summary>
    public Task StartServerAsync() =>
        RunAsync(Path.Combine(RequireOwned(), "pg_ctl"),
        [
            "-D", Path.Combine(_folder!, "data"), "-l", Path.Combine(_folder!, "server.log"), "-w", "-t", "30",
            "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {_folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            "start",
        ], _osUser);

    /// <summary>Starts the server again if a test stopped it (cleanup after a test that stops it).</summary>
    public async Task StartServerIfStoppedAsync()
    {
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
        }
        catch (Npgsql.NpgsqlException)
        {
            await StartServerAsync();
        }
    }

    /// <summary>Creates a fresh database and returns its connection string (one per test class keeps tests apart).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using (var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection))
        {
            await command.ExecuteNonQueryAsync();
        }
        return new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    private string RequireOwned() => _binaries ?? throw new InvalidOperationException(
        "This PostgreSQL server comes from GRID_TEST_POSTGRES; the tests cannot stop or start it. Unset GRID_TEST_POSTGRES to use a throwaway server.");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_folder is null)
        {
            return;
        }
        try
        {
            await StopServerAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        Directory.Delete(_folder, recursive: true);
    }

    private static string FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")));
        }
        foreach (var directory in candidates)
        {
            if (File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")))
            {
                // Follow symlinks (/usr/local/bin/initdb → /usr/lib/postgresql/15/bin/initdb): postgres finds its files next to the real binary.
                var real = new FileInfo(Path.Combine(directory, "pg_ctl")).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                return real is null ? directory : Path.GetDirectoryName(real)!;
            }
        }
        throw new InvalidOperationException(
            "The tests need a PostgreSQL server and found no server binaries (initdb, pg_ctl). Install them " +
            "(Debian: apt-get install -y postgresql) or point GRID_TEST_POSTGRES at a server (a connection string).");
    }

    private static void ReapAbandoned(string binaries, string? osUser)
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var owner = Path.GetFileName(folder)[FolderPrefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, out var pid) || IsAlive(pid))
            {
                continue;
            }
            try
            {
                RunAsync(Path.Combine(binaries, "pg_ctl"), ["-D", Path.Combine(folder, "data"), "-m", "immediate", "-w", "stop"], osUser).Wait();
            }
            catch (AggregateException)
            {
                // Not running.
            }
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Another test run is reaping it.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, string? osUser)
    {
        var start = new ProcessStartInfo(osUser is null ? program : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/", // runuser keeps the working directory, which postgres may not be allowed to read.
        };
        if (osUser is not null)
        {
            foreach (var argument in new[] { "-u", osUser, "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{await output}{await error}");
        }
    }
}

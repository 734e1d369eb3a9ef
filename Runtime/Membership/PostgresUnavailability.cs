using System.Net.Sockets;
using Npgsql;

namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// Tells a failure to reach PostgreSQL (refused, unresolvable, timed out, dropped, refused credentials, no such
/// database, no free connection, shutting down) from any other database error, and says it as a
/// <see cref="MembershipUnavailableException"/>: where, what happened, what it means for the cluster, and what to do.
/// </summary>
/// <remarks>
/// <para>Errors that are not about reaching the server (a constraint violated, a table changed by hand) are left as they
/// are: retrying would not help, and calling them unavailability would hide them.</para>
/// <para>Messages name the host, port, database and user, never the password; a password that appears in a message
/// from the driver is masked as well.</para>
/// </remarks>
internal static class PostgresUnavailability
{
    /// <summary>What unavailability means for the cluster, the same in every message.</summary>
    private const string Consequence =
        "membership cannot be read or written; running nodes keep serving, joins and failure declarations wait until it is back";

    /// <summary>True when <paramref name="error"/> means the server could not be reached or used at all.</summary>
    public static bool Applies(NpgsqlException error) => error is not PostgresException postgres || IsUnavailableState(postgres.SqlState);

    /// <summary>The exception to throw for <paramref name="error"/>, which happened while doing <paramref name="action"/>.</summary>
    /// <param name="error">A failure for which <see cref="Applies"/> is true.</param>
    /// <param name="settings">The connection settings, for the address, database and user (and the password to mask).</param>
    /// <param name="action">What was being done, e.g. "reading the membership of cluster 'prod'".</param>
    public static MembershipUnavailableException Describe(NpgsqlException error, NpgsqlConnectionStringBuilder settings, string action) =>
        new(Explain(error, settings, action, Consequence), error);

    /// <summary>
    /// The message for <paramref name="error"/>, which happened while doing <paramref name="action"/>: where, what
    /// happened, <paramref name="consequence"/> (what it means for the service that failed), and what to do.
    /// </summary>
    public static string Explain(NpgsqlException error, NpgsqlConnectionStringBuilder settings, string action, string consequence)
    {
        var (what, todo) = Cause(error, settings);
        var message = $"PostgreSQL at {settings.Host}:{settings.Port} (database '{settings.Database}') {what} while {action}: {consequence}. {todo}";
        return Mask(message, settings.Password);
    }

    private static bool IsUnavailableState(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) // connection exception
        || state.StartsWith("28", StringComparison.Ordinal) // invalid authorization (wrong password, no pg_hba entry)
        || state == PostgresErrorCodes.InvalidCatalogName // the database does not exist
        || state.StartsWith("53", StringComparison.Ordinal) // insufficient resources (too many connections, disk full)
        || state.StartsWith("57P", StringComparison.Ordinal) // shutting down, starting up, idle session closed
        || state == PostgresErrorCodes.QueryCanceled; // the server's statement_timeout (our own cancellation throws OperationCanceledException)

    private static (string What, string Todo) Cause(NpgsqlException error, NpgsqlConnectionStringBuilder settings)
    {
        var timeout = $"did not answer in time (Timeout={settings.Timeout} s to connect, Command Timeout={settings.CommandTimeout} s per statement)";
        const string timeoutTodo = "Check the network and the server's load; the limits are Timeout and Command Timeout in the connection string.";

        if (error is PostgresException postgres)
        {
            return postgres.SqlState switch
            {
                PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
                    ($"refused user '{settings.Username}' (authentication failed)",
                     "Check Username and Password in the connection string and the server's pg_hba.conf."),
                PostgresErrorCodes.InvalidCatalogName =>
                    ("has no such database", "Create the database, or correct Database in the connection string."),
                PostgresErrorCodes.TooManyConnections =>
                    ("has no free connection slot (too many connections)",
                     "Raise the server's max_connections, or lower Maximum Pool Size in the connection strings of its clients."),
                PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow =>
                    ($"is shutting down or starting up ({postgres.MessageText})", "Wait until it is back up; nothing needs to change on the nodes."),
                PostgresErrorCodes.QueryCanceled => (timeout, timeoutTodo),
                _ => ($"failed ({postgres.SqlState}: {postgres.MessageText})", "Check the server's log."),
            };
        }

        for (Exception? inner = error; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return ("is unreachable (connection refused)", "Check that the server is running and listens at that address.");
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData }:
                    return ("cannot be found (the host name does not resolve)", "Check Host in the connection string and the name service.");
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return (timeout, timeoutTodo);
                case SocketException socket:
                    return ($"is unreachable ({socket.SocketErrorCode})", "Check the network between this node and the server.");
                case TimeoutException:
                    return (timeout, timeoutTodo);
                case IOException:
                    return ("closed the connection (the server stopped or the network failed)",
                            "Check that the server is running. A write cut off this way may or may not have happened: read before retrying it.");
            }
        }
        return ($"could not be used ({error.Message})", "Check the connection string and the server.");
    }

    private static string Mask(string message, string? password) =>
        string.IsNullOrEmpty(password) ? message : message.Replace(password, "********", StringComparison.Ordinal);
}

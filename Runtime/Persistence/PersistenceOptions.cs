using Npgsql;
using ProcessGrid.Runtime.Cluster;

namespace ProcessGrid.Runtime.Persistence;

/// <summary>
/// Where the persistent state of virtual processes is kept (section <c>ProcessGrid:Persistence</c>). By default it
/// follows the cluster: in the cluster's PostgreSQL database when it has one, in each node's memory otherwise.
/// </summary>
/// <remarks>
/// Records are keyed by the cluster id (<c>ProcessGrid:Cluster:ClusterId</c>), the kind, the key and the state's name:
/// clusters sharing a database do not see each other's state, and a cluster renamed starts from empty state.
/// </remarks>
public sealed class PersistenceOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProcessGrid:Persistence";

    /// <summary>Which store to use. Default: <see cref="StateStoreKind.Auto"/>.</summary>
    public StateStoreKind Store { get; set; } = StateStoreKind.Auto;

    /// <summary>
    /// The connection string of the PostgreSQL database that keeps the state, when it is not the cluster's
    /// (<c>ProcessGrid:Cluster:Database</c>): for a node that runs alone, or to keep state apart from membership.
    /// </summary>
    public string? Database { get; set; }

    /// <summary>The connection string the state store uses: <see cref="Database"/>, else the cluster's; null when neither is set.</summary>
    internal string? ConnectionString(ClusterOptions cluster) => Database ?? cluster.Database;

    /// <summary>The store the node uses once <see cref="StateStoreKind.Auto"/> is decided.</summary>
    internal StateStoreKind Resolve(ClusterOptions cluster) => Store switch
    {
        StateStoreKind.Auto => ConnectionString(cluster) is null ? StateStoreKind.Memory : StateStoreKind.PostgreSql,
        _ => Store,
    };

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it and says what is allowed.</exception>
    public void Validate(ClusterOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (!Enum.IsDefined(Store))
        {
            throw new ArgumentException($"{SectionName}:{nameof(Store)} is {(int)Store}; it must be one of {string.Join(", ", Enum.GetNames<StateStoreKind>())}.");
        }
        if (Database is not null)
        {
            RequireConnectionString(Database, $"{SectionName}:{nameof(Database)}");
        }
        if (Store == StateStoreKind.PostgreSql && ConnectionString(cluster) is null)
        {
            throw new ArgumentException(
                $"{SectionName}:{nameof(Store)} is {nameof(StateStoreKind.PostgreSql)}, but no database is given: set {SectionName}:{nameof(Database)} " +
                $"(or {ClusterOptions.SectionName}:{nameof(ClusterOptions.Database)}) to a PostgreSQL connection string, or choose {nameof(StateStoreKind.Memory)}.");
        }
    }

    private static void RequireConnectionString(string value, string setting)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{setting} is empty: give a PostgreSQL connection string (Host=...;Database=...;Username=...), or leave it unset.");
        }
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The driver's message names the keyword at fault; the value is not repeated (it may hold a password).
            throw new ArgumentException($"{setting} is not a PostgreSQL connection string: {e.Message}", e);
        }
        if (string.IsNullOrEmpty(parsed.Host))
        {
            throw new ArgumentException($"{setting} names no Host: give a PostgreSQL connection string such as Host=db;Database=grid;Username=grid.");
        }
    }
}

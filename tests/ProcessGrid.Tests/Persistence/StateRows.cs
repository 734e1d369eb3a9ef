using Npgsql;

namespace ProcessGrid.Tests.Persistence;

/// <summary>One row of <c>processgrid_state</c>, read straight from the database.</summary>
public sealed record StateRow(string ClusterId, string Kind, string Key, string Name, long Version, string? Payload, string StateType, string WrittenBy);

/// <summary>Reads and edits the state table behind the runtime's back, to check what it stored and to break it on purpose.</summary>
public static class StateRows
{
    /// <summary>Every row of the table, ordered by kind, key and name.</summary>
    public static async Task<List<StateRow>> AllAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT cluster_id, kind, process_key, state_name, version, payload, state_type, written_by FROM processgrid_state ORDER BY kind, process_key, state_name",
            connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<StateRow>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(new StateRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), reader.GetString(7)));
        }
        return rows;
    }

    /// <summary>The row of one state of one key.</summary>
    public static async Task<StateRow> OneAsync(string database, string kind, string key, string name = PersistentStateAttribute.DefaultName) =>
        Assert.Single(await AllAsync(database), r => r.Kind == kind && r.Key == key && r.Name == name);

    /// <summary>Runs a statement against the database (to edit a row by hand).</summary>
    public static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}

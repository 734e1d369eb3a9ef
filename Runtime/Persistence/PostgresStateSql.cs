using ProcessGrid.Runtime.Membership;

namespace ProcessGrid.Runtime.Persistence;

/// <summary>
/// Every statement the PostgreSQL state store runs, with what each guarantees. Parameters are named
/// (<c>@cluster_id</c>, ...); every statement touches one record of its own cluster id, so several clusters share a
/// database without seeing each other's state.
/// </summary>
/// <remarks>
/// <para>One table, <c>processgrid_state</c>: one row per (cluster, kind, key, state name) ever written. The version
/// only grows; a cleared record keeps its row with a null payload, so versions are never reused.</para>
/// <para>Concurrency rests on the row: a write is one statement that checks and moves the version of one row. Under
/// READ COMMITTED an update that waited for a concurrent writer's row lock re-checks <c>version = @expected_version</c>
/// against the row that writer committed and finds it changed; an insert that waited on the primary key of a
/// concurrent insert does nothing. Of writers that read the same version, exactly one succeeds. Each statement locks one
/// row, so none can deadlock with another.</para>
/// <para>Durability: the store's connections run with <c>synchronous_commit = on</c> (see
/// <see cref="DurableCommitOption"/>): a version reported as written is on disk, so a database crash cannot take it back
/// and let a different write reuse the number, which would let a stale writer through.</para>
/// </remarks>
internal static class PostgresStateSql
{
    /// <summary>
    /// The connection option that makes every commit of the store's connections durable before it is reported, whatever
    /// the server's default. Set per connection (at its start), so each write stays one statement in one round trip.
    /// </summary>
    public const string DurableCommitOption = "-c synchronous_commit=on";

    /// <summary>
    /// Taken first in the schema transaction, with the membership schema's key: all ProcessGrid schema creation in a
    /// database is serialized, since <c>CREATE TABLE IF NOT EXISTS</c> alone races (two sessions can both find the table
    /// missing, and the second fails on a duplicate type). The lock ends with the transaction, also if the session dies.
    /// </summary>
    public const string LockSchema = "SELECT pg_advisory_xact_lock(@lock_key)";

    /// <summary>The advisory lock key of <see cref="LockSchema"/>: the membership schema's.</summary>
    public const long SchemaLockKey = PostgresMembershipSql.SchemaLockKey;

    /// <summary>
    /// The state table, if missing. <c>version</c> is at least 1 (a key never written has no row); <c>payload</c> is the
    /// state as JSON text, exactly as written (null once cleared); <c>state_type</c>, <c>written_by</c> and
    /// <c>written_at</c> are for operators and error messages.
    /// </summary>
    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS processgrid_state (
            cluster_id text NOT NULL,
            kind text NOT NULL,
            process_key text NOT NULL,
            state_name text NOT NULL,
            version bigint NOT NULL CHECK (version > 0),
            payload text,
            state_type text NOT NULL,
            written_by text NOT NULL,
            written_at timestamptz NOT NULL,
            PRIMARY KEY (cluster_id, kind, process_key, state_name)
        )
        """;

    /// <summary>The record of one state, or no row when it was never written.</summary>
    public const string Read = """
        SELECT version, payload, written_by, written_at
        FROM processgrid_state
        WHERE cluster_id = @cluster_id AND kind = @kind AND process_key = @process_key AND state_name = @state_name
        """;

    /// <summary>
    /// The first write of a state (the writer expects version 0): creates the row at version 1, or does nothing when a row
    /// exists (another writer was first). Returns the new version, or no row.
    /// </summary>
    public const string Insert = """
        INSERT INTO processgrid_state (cluster_id, kind, process_key, state_name, version, payload, state_type, written_by, written_at)
        VALUES (@cluster_id, @kind, @process_key, @state_name, 1, @payload, @state_type, @written_by, now())
        ON CONFLICT (cluster_id, kind, process_key, state_name) DO NOTHING
        RETURNING version
        """;

    /// <summary>
    /// Every later write and every clear (a null <c>@payload</c>): moves the version by one and replaces the payload, only
    /// where the version is still <c>@expected_version</c>. Returns the new version, or no row when the version moved
    /// (or the row is gone: it was deleted by hand, and the writer must not recreate what it did not read).
    /// </summary>
    public const string Update = """
        UPDATE processgrid_state
        SET version = version + 1, payload = @payload, state_type = @state_type, written_by = @written_by, written_at = now()
        WHERE cluster_id = @cluster_id AND kind = @kind AND process_key = @process_key AND state_name = @state_name
          AND version = @expected_version
        RETURNING version
        """;
}

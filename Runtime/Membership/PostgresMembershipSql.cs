namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// Every statement the PostgreSQL membership table runs, with what each guarantees. Parameters are named
/// (<c>@cluster_id</c>, ...); every statement touches only the rows of its own cluster id, so several clusters share a
/// database without seeing each other.
/// </summary>
/// <remarks>
/// <para>Two tables. <c>processgrid_membership_version</c> holds one row per cluster: the version that every membership
/// change compares and increments. <c>processgrid_membership</c> holds one row per node identity (name + creation).</para>
/// <para>Concurrency rests on one lock: every versioned write updates the cluster's version row first, so writers of a
/// cluster queue on that row. Under READ COMMITTED a writer that waited re-checks <c>version = @expected_version</c>
/// against the row the winner committed, and finds it changed: of writers that read the same version, exactly one
/// succeeds. Versioned writers lock the version row before any membership row; the I-am-alive write and the defunct
/// cleanup lock membership rows only, never the version row. So no two statements here wait on each other in opposite
/// orders, and none can deadlock.</para>
/// </remarks>
internal static class PostgresMembershipSql
{
    /// <summary>
    /// The key of the advisory lock that serializes schema creation. Its bytes spell "procgrid", so it does not collide
    /// with advisory locks an application sharing the database might take with small numbers.
    /// </summary>
    public const long SchemaLockKey = 0x70726F6367726964;

    /// <summary>
    /// Taken first in the schema transaction: nodes that start together create the schema one after the other.
    /// <c>CREATE TABLE IF NOT EXISTS</c> alone is not enough: two sessions can both find the table missing, and the second
    /// then fails on a duplicate type. The lock ends with the transaction, also if the session dies.
    /// </summary>
    public const string LockSchema = "SELECT pg_advisory_xact_lock(@lock_key)";

    /// <summary>
    /// Run first in every transaction that creates the schema or changes the version: its commit is on disk before it
    /// is reported, even where the server runs with <c>synchronous_commit = off</c> for speed. Such a server loses
    /// the last commits when it crashes; for membership that would send the version back to a number the nodes have
    /// already seen with other rows, so two different views would carry the same version (or the schema would vanish
    /// under a running table). The setting ends with the transaction and is allowed to any user.
    /// </summary>
    public const string DurableCommit = "SET LOCAL synchronous_commit = on";

    /// <summary>
    /// The version table, if missing. One row per cluster; <c>version</c> starts at 0 and only ever grows by one per
    /// successful insert or update; <c>updated_at</c> says when it last moved (for operators).
    /// </summary>
    public const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS processgrid_membership_version (
            cluster_id text PRIMARY KEY,
            version bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """;

    /// <summary>
    /// The membership table, if missing. The primary key makes an identity unique within its cluster; the foreign key
    /// keeps rows only for clusters that have a version row; <c>creation</c> is the node's 64-bit creation (milliseconds
    /// since 2022), never negative; votes are a JSON array (see <see cref="SuspectVoteJson"/>).
    /// </summary>
    public const string CreateMembershipTable = """
        CREATE TABLE IF NOT EXISTS processgrid_membership (
            cluster_id text NOT NULL REFERENCES processgrid_membership_version (cluster_id),
            node_name text NOT NULL,
            creation bigint NOT NULL CHECK (creation >= 0),
            endpoint text NOT NULL,
            status smallint NOT NULL,
            suspect_votes jsonb NOT NULL DEFAULT '[]',
            started_at timestamptz NOT NULL,
            i_am_alive_at timestamptz NOT NULL,
            PRIMARY KEY (cluster_id, node_name, creation)
        )
        """;

    /// <summary>
    /// The cluster's version row at version 0, if missing. An existing row (another node was first, or this is a
    /// restart) is left as it is: initializing never resets a cluster.
    /// </summary>
    public const string CreateVersionRow = """
        INSERT INTO processgrid_membership_version (cluster_id) VALUES (@cluster_id)
        ON CONFLICT (cluster_id) DO NOTHING
        """;

    /// <summary>
    /// The version and every row of the cluster, in one statement, hence from one snapshot: the rows are exactly those
    /// written up to that version. The outer join returns the version also when there are no rows (then the row
    /// columns are null). Ordered by name (byte order, the same as ordinal in .NET, whatever the database's locale)
    /// and creation, as the in-memory table reads.
    /// </summary>
    public const string ReadAll = """
        SELECT v.version, m.node_name, m.creation, m.endpoint, m.status, m.suspect_votes::text, m.started_at, m.i_am_alive_at
        FROM processgrid_membership_version v
        LEFT JOIN processgrid_membership m ON m.cluster_id = v.cluster_id
        WHERE v.cluster_id = @cluster_id
        ORDER BY m.node_name COLLATE "C", m.creation
        """;

    /// <summary>
    /// Insert, run in its own transaction. The version moves by one only if it is still <c>@expected_version</c>, and
    /// the row is written only if the version moved (it reads the update's result), and only if its identity is new.
    /// It affects one row when both checks passed and none otherwise; then the caller rolls back, which also undoes
    /// the version increment of a duplicate identity, so a failed insert leaves the table as it was.
    /// </summary>
    public const string Insert = """
        WITH bumped AS (
            UPDATE processgrid_membership_version
            SET version = version + 1, updated_at = now()
            WHERE cluster_id = @cluster_id AND version = @expected_version
            RETURNING cluster_id
        )
        INSERT INTO processgrid_membership (cluster_id, node_name, creation, endpoint, status, suspect_votes, started_at, i_am_alive_at)
        SELECT cluster_id, @node_name, @creation, @endpoint, @status, @suspect_votes, @started_at, @i_am_alive_at
        FROM bumped
        ON CONFLICT (cluster_id, node_name, creation) DO NOTHING
        """;

    /// <summary>
    /// Update, run in its own transaction. As <see cref="Insert"/>: the version moves by one only if it is still
    /// <c>@expected_version</c>, and the row (everything but its identity) is replaced only if the version moved and the
    /// row exists. One row affected when both hold; none otherwise, and the caller rolls back the increment.
    /// </summary>
    public const string Update = """
        WITH bumped AS (
            UPDATE processgrid_membership_version
            SET version = version + 1, updated_at = now()
            WHERE cluster_id = @cluster_id AND version = @expected_version
            RETURNING cluster_id
        )
        UPDATE processgrid_membership m
        SET endpoint = @endpoint, status = @status, suspect_votes = @suspect_votes,
            started_at = @started_at, i_am_alive_at = @i_am_alive_at
        FROM bumped
        WHERE m.cluster_id = bumped.cluster_id AND m.node_name = @node_name AND m.creation = @creation
        """;

    /// <summary>
    /// The I-am-alive write: only that column of one row, with neither a version check nor an increment (Orleans' dirty
    /// write; it is not a membership change). Affects one row, or none when the row is missing.
    /// </summary>
    public const string UpdateIAmAlive = """
        UPDATE processgrid_membership SET i_am_alive_at = @i_am_alive_at
        WHERE cluster_id = @cluster_id AND node_name = @node_name AND creation = @creation
        """;

    /// <summary>
    /// Deletes the cluster's dead rows last alive before <c>@before</c>. Only Dead rows (<c>@dead</c>): a joining, active
    /// or leaving row is never removed, however old. The version is left alone: a dead identity never comes back, so a
    /// view with or without its row means the same, and bumping it would only fail the writers racing the cleanup.
    /// </summary>
    public const string DeleteDefunct = """
        DELETE FROM processgrid_membership
        WHERE cluster_id = @cluster_id AND status = @dead AND i_am_alive_at < @before
        """;
}

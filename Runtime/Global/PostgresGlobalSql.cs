namespace ProcessGrid.Runtime.Global;

/// <summary>
/// Every statement the PostgreSQL global table runs, with what each guarantees. Parameters are named; every statement
/// touches only the rows of its own cluster id.
/// </summary>
/// <remarks>
/// <para>One table, <c>processgrid_global</c>: one row per held name or lock, with its holder's pid and node identity
/// (name, creation), its resolve method, and <c>seq</c>, the claim's number from one sequence.</para>
/// <para>Fencing. A claim first takes a share lock on the claimant's own membership row, and only if that row says
/// Joining or Active. Declaring the node dead updates that row, so it waits for the claim's transaction, and a claim
/// that waited for a declaration finds the row Dead and fails. So no claim commits after its node's death. A holder
/// whose membership row is Dead (or gone) holds nothing: the next claim deletes its row and takes the name.</para>
/// <para>Order. Claims of one name queue on its row (<c>FOR UPDATE</c>, or the primary key for a first insert) and take
/// their number after the wait: numbers of one name grow in commit order. Every change notifies the cluster's
/// channel in its transaction; PostgreSQL delivers notifications at commit, in commit order.</para>
/// <para>Lock order: membership row, then global row. Membership writers never touch global rows, so nothing here can
/// deadlock with them.</para>
/// </remarks>
internal static class PostgresGlobalSql
{
    /// <summary>The table, its sequence and its functions; run in the schema transaction (which holds the schema lock).</summary>
    public const string CreateSchema = """
        CREATE SEQUENCE IF NOT EXISTS processgrid_global_seq;

        CREATE TABLE IF NOT EXISTS processgrid_global (
            cluster_id text NOT NULL,
            kind smallint NOT NULL,
            name text NOT NULL,
            pid text NOT NULL,
            node_name text NOT NULL,
            creation bigint NOT NULL,
            resolve text NULL,
            seq bigint NOT NULL,
            claimed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (cluster_id, kind, name)
        );

        CREATE INDEX IF NOT EXISTS processgrid_global_by_holder ON processgrid_global (cluster_id, node_name, creation);

        -- The notification text: op, kind, seq, pid, resolve ('-' for none), then the name (which may hold spaces).
        CREATE OR REPLACE FUNCTION processgrid_global_notify(p_channel text, p_op text, g processgrid_global) RETURNS void
        LANGUAGE sql AS $$
            SELECT pg_notify(p_channel, p_op || ' ' || g.kind || ' ' || g.seq || ' ' || g.pid || ' ' || coalesce(g.resolve, '-') || ' ' || g.name)
        $$;

        CREATE OR REPLACE FUNCTION processgrid_global_claim(
            p_cluster text, p_kind smallint, p_name text, p_pid text, p_node text, p_creation bigint, p_resolve text, p_channel text)
        RETURNS TABLE (outcome smallint, holder_pid text, holder_seq bigint, holder_resolve text)
        LANGUAGE plpgsql AS $$
        DECLARE
            cur processgrid_global;
            claimed processgrid_global;
        BEGIN
            PERFORM 1 FROM processgrid_membership m
            WHERE m.cluster_id = p_cluster AND m.node_name = p_node AND m.creation = p_creation AND m.status IN (2, 3)
            FOR SHARE;
            IF NOT FOUND THEN
                RETURN QUERY SELECT 2::smallint, NULL::text, 0::bigint, NULL::text;
                RETURN;
            END IF;
            LOOP
                SELECT * INTO cur FROM processgrid_global g
                WHERE g.cluster_id = p_cluster AND g.kind = p_kind AND g.name = p_name
                FOR UPDATE;
                IF FOUND THEN
                    IF cur.pid = p_pid THEN
                        RETURN QUERY SELECT 0::smallint, cur.pid, cur.seq, cur.resolve;
                        RETURN;
                    END IF;
                    IF EXISTS (SELECT 1 FROM processgrid_membership m
                               WHERE m.cluster_id = p_cluster AND m.node_name = cur.node_name AND m.creation = cur.creation AND m.status <> 6) THEN
                        RETURN QUERY SELECT 1::smallint, cur.pid, cur.seq, cur.resolve;
                        RETURN;
                    END IF;
                    -- The holder's node was declared dead: its claim is void.
                    DELETE FROM processgrid_global g WHERE g.cluster_id = p_cluster AND g.kind = p_kind AND g.name = p_name;
                    PERFORM processgrid_global_notify(p_channel, 'r', cur);
                END IF;
                INSERT INTO processgrid_global (cluster_id, kind, name, pid, node_name, creation, resolve, seq)
                VALUES (p_cluster, p_kind, p_name, p_pid, p_node, p_creation, p_resolve, nextval('processgrid_global_seq'))
                ON CONFLICT DO NOTHING
                RETURNING * INTO claimed;
                IF FOUND THEN
                    PERFORM processgrid_global_notify(p_channel, 'c', claimed);
                    RETURN QUERY SELECT 0::smallint, claimed.pid, claimed.seq, claimed.resolve;
                    RETURN;
                END IF;
                -- Another claim inserted the name first: read it (waiting for its transaction) and decide again.
            END LOOP;
        END
        $$;

        CREATE OR REPLACE FUNCTION processgrid_global_replace(
            p_cluster text, p_kind smallint, p_name text, p_expected_seq bigint, p_pid text, p_node text, p_creation bigint, p_resolve text, p_channel text)
        RETURNS bigint
        LANGUAGE plpgsql AS $$
        DECLARE
            cur processgrid_global;
            claimed processgrid_global;
        BEGIN
            PERFORM 1 FROM processgrid_membership m
            WHERE m.cluster_id = p_cluster AND m.node_name = p_node AND m.creation = p_creation AND m.status IN (2, 3)
            FOR SHARE;
            IF NOT FOUND THEN
                RETURN NULL;
            END IF;
            DELETE FROM processgrid_global g
            WHERE g.cluster_id = p_cluster AND g.kind = p_kind AND g.name = p_name AND g.seq = p_expected_seq
            RETURNING * INTO cur;
            IF NOT FOUND THEN
                RETURN NULL;
            END IF;
            PERFORM processgrid_global_notify(p_channel, 'r', cur);
            INSERT INTO processgrid_global (cluster_id, kind, name, pid, node_name, creation, resolve, seq)
            VALUES (p_cluster, p_kind, p_name, p_pid, p_node, p_creation, p_resolve, nextval('processgrid_global_seq'))
            RETURNING * INTO claimed;
            PERFORM processgrid_global_notify(p_channel, 'c', claimed);
            RETURN claimed.seq;
        END
        $$;

        CREATE OR REPLACE FUNCTION processgrid_global_release(
            p_cluster text, p_kind smallint, p_name text, p_pid text, p_expected_seq bigint, p_channel text)
        RETURNS boolean
        LANGUAGE plpgsql AS $$
        DECLARE
            cur processgrid_global;
        BEGIN
            DELETE FROM processgrid_global g
            WHERE g.cluster_id = p_cluster AND g.kind = p_kind AND g.name = p_name
              AND (p_pid IS NULL OR g.pid = p_pid) AND (p_expected_seq IS NULL OR g.seq = p_expected_seq)
            RETURNING * INTO cur;
            IF NOT FOUND THEN
                RETURN false;
            END IF;
            PERFORM processgrid_global_notify(p_channel, 'r', cur);
            RETURN true;
        END
        $$;

        CREATE OR REPLACE FUNCTION processgrid_global_release_node(p_cluster text, p_node text, p_creation bigint, p_channel text)
        RETURNS integer
        LANGUAGE plpgsql AS $$
        DECLARE
            cur processgrid_global;
            released integer := 0;
        BEGIN
            FOR cur IN DELETE FROM processgrid_global g
                       WHERE g.cluster_id = p_cluster AND g.node_name = p_node AND g.creation = p_creation
                       RETURNING *
            LOOP
                PERFORM processgrid_global_notify(p_channel, 'r', cur);
                released := released + 1;
            END LOOP;
            RETURN released;
        END
        $$;
        """;

    /// <summary>Claims a name or lock: one row (outcome 0 granted, 1 taken, 2 not a member; the holder's pid, number, resolve).</summary>
    public const string Claim = "SELECT * FROM processgrid_global_claim(@cluster_id, @kind, @name, @pid, @node_name, @creation, @resolve, @channel)";

    /// <summary>Replaces the claim numbered <c>@expected_seq</c>: the new number, or null when that claim is gone.</summary>
    public const string Replace = "SELECT processgrid_global_replace(@cluster_id, @kind, @name, @expected_seq, @pid, @node_name, @creation, @resolve, @channel)";

    /// <summary>Releases a claim, filtered by holder and/or number when given: true when one was released.</summary>
    public const string Release = "SELECT processgrid_global_release(@cluster_id, @kind, @name, @pid, @expected_seq, @channel)";

    /// <summary>Releases every claim of one node identity: how many.</summary>
    public const string ReleaseNode = "SELECT processgrid_global_release_node(@cluster_id, @node_name, @creation, @channel)";

    /// <summary>
    /// The names held by live nodes, as one snapshot (the claims of a node recorded as dead are void, and left out).
    /// </summary>
    public const string ReadNames = """
        SELECT g.name, g.pid, g.seq, g.resolve
        FROM processgrid_global g
        JOIN processgrid_membership m
          ON m.cluster_id = g.cluster_id AND m.node_name = g.node_name AND m.creation = g.creation AND m.status <> 6
        WHERE g.cluster_id = @cluster_id AND g.kind = 0
        """;
}

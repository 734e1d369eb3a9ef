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
/// <para>Order. Claims of one name queue on its row (the primary key of an insert, or <c>FOR UPDATE</c>), and a claim
/// that inserts finds no committed holder: numbers of one name grow in commit order. Every change notifies the cluster's
/// channel in its transaction; PostgreSQL delivers notifications at commit, in commit order.</para>
/// <para>Batches. A node's claims and releases travel in batches (<c>processgrid_global_apply</c>), one transaction
/// each: its membership row is share-locked once for the batch, and the entries take their rows sorted by kind and name.
/// Within a batch one node's writes to a name keep their order.</para>
/// <para>Lock order: membership row, then global rows by kind and name. Membership writers never touch global rows, so nothing here can
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

        -- The membership fence of a claim: share-locks the claimant's own row while it is Joining or Active.
        CREATE OR REPLACE FUNCTION processgrid_global_fence(p_cluster text, p_node text, p_creation bigint) RETURNS boolean
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM 1 FROM processgrid_membership m
            WHERE m.cluster_id = p_cluster AND m.node_name = p_node AND m.creation = p_creation AND m.status IN (2, 3)
            FOR SHARE;
            RETURN FOUND;
        END
        $$;

        -- One claim, behind a fence already taken: outcome 0 granted, 1 taken, with the holder (its pid, number, resolve).
        CREATE OR REPLACE FUNCTION processgrid_global_claim_fenced(
            p_cluster text, p_kind smallint, p_name text, p_pid text, p_node text, p_creation bigint, p_resolve text, p_channel text,
            OUT outcome smallint, OUT holder_pid text, OUT holder_seq bigint, OUT holder_resolve text)
        LANGUAGE plpgsql AS $$
        DECLARE
            cur processgrid_global;
            claimed processgrid_global;
        BEGIN
            LOOP
                -- Most claims are for free names: try the insert first, and read the holder only when there is one.
                INSERT INTO processgrid_global (cluster_id, kind, name, pid, node_name, creation, resolve, seq)
                VALUES (p_cluster, p_kind, p_name, p_pid, p_node, p_creation, p_resolve, nextval('processgrid_global_seq'))
                ON CONFLICT DO NOTHING
                RETURNING * INTO claimed;
                IF FOUND THEN
                    PERFORM processgrid_global_notify(p_channel, 'c', claimed);
                    outcome := 0;
                    holder_pid := claimed.pid;
                    holder_seq := claimed.seq;
                    holder_resolve := claimed.resolve;
                    RETURN;
                END IF;
                -- Held (the insert waited for the holder's transaction if it was still open): read it, locked.
                SELECT * INTO cur FROM processgrid_global g
                WHERE g.cluster_id = p_cluster AND g.kind = p_kind AND g.name = p_name
                FOR UPDATE;
                IF FOUND THEN
                    IF cur.pid = p_pid OR EXISTS (
                        SELECT 1 FROM processgrid_membership m
                        WHERE m.cluster_id = p_cluster AND m.node_name = cur.node_name AND m.creation = cur.creation AND m.status <> 6) THEN
                        outcome := CASE WHEN cur.pid = p_pid THEN 0 ELSE 1 END;
                        holder_pid := cur.pid;
                        holder_seq := cur.seq;
                        holder_resolve := cur.resolve;
                        RETURN;
                    END IF;
                    -- The holder's node was declared dead: its claim is void.
                    DELETE FROM processgrid_global g WHERE g.cluster_id = p_cluster AND g.kind = p_kind AND g.name = p_name;
                    PERFORM processgrid_global_notify(p_channel, 'r', cur);
                END IF;
                -- The name is free now (released meanwhile, or its void claim deleted): insert again.
            END LOOP;
        END
        $$;

        -- One claim: outcome 0 granted, 1 taken, 2 the claimant's node is not a member; with the holder.
        CREATE OR REPLACE FUNCTION processgrid_global_claim(
            p_cluster text, p_kind smallint, p_name text, p_pid text, p_node text, p_creation bigint, p_resolve text, p_channel text,
            OUT outcome smallint, OUT holder_pid text, OUT holder_seq bigint, OUT holder_resolve text)
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT processgrid_global_fence(p_cluster, p_node, p_creation) THEN
                outcome := 2;
                holder_seq := 0;
                RETURN;
            END IF;
            SELECT * INTO outcome, holder_pid, holder_seq, holder_resolve
            FROM processgrid_global_claim_fenced(p_cluster, p_kind, p_name, p_pid, p_node, p_creation, p_resolve, p_channel);
        END
        $$;

        -- One release, limited to a holder and/or a claim number when given: true when a claim was released.
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

        -- A batch of one node's claims (op 0) and releases (op 1), one answer row per entry (by its 1-based ordinal):
        -- claims 0 granted, 1 taken, 2 not a member, with the holder; releases 0 released, 1 nothing to release.
        CREATE OR REPLACE FUNCTION processgrid_global_apply(
            p_cluster text, p_node text, p_creation bigint, p_channel text,
            p_ops smallint[], p_kinds smallint[], p_names text[], p_pids text[], p_resolves text[], p_expected bigint[])
        RETURNS TABLE (ordinal integer, outcome smallint, holder_pid text, holder_seq bigint, holder_resolve text)
        LANGUAGE plpgsql AS $$
        DECLARE
            member boolean := false;
            w record;
        BEGIN
            IF 0 = ANY (p_ops) THEN
                member := processgrid_global_fence(p_cluster, p_node, p_creation);
            END IF;
            -- Every batch takes its rows in one order (kind, name, then submission), so two nodes' batches that touch
            -- the same names cannot deadlock, and one node's writes to a name apply in the order it submitted them.
            FOR w IN
                SELECT u.i::integer AS i, u.op, u.kind, u.name, u.pid, u.resolve, u.expected
                FROM unnest(p_ops, p_kinds, p_names, p_pids, p_resolves, p_expected) WITH ORDINALITY AS u(op, kind, name, pid, resolve, expected, i)
                ORDER BY u.kind, u.name, u.i
            LOOP
                ordinal := w.i;
                holder_pid := NULL;
                holder_seq := 0;
                holder_resolve := NULL;
                IF w.op = 1 THEN
                    outcome := CASE WHEN processgrid_global_release(p_cluster, w.kind, w.name, w.pid, w.expected, p_channel) THEN 0 ELSE 1 END;
                ELSIF NOT member THEN
                    outcome := 2;
                ELSE
                    SELECT * INTO outcome, holder_pid, holder_seq, holder_resolve
                    FROM processgrid_global_claim_fenced(p_cluster, w.kind, w.name, w.pid, p_node, p_creation, w.resolve, p_channel);
                END IF;
                RETURN NEXT;
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
            IF NOT processgrid_global_fence(p_cluster, p_node, p_creation) THEN
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

    /// <summary>Releases a claim, filtered by holder and/or number when given: true when one was released.</summary>
    public const string Release = "SELECT processgrid_global_release(@cluster_id, @kind, @name, @pid, @expected_seq, @channel)";

    /// <summary>Applies a batch of one node's claims and releases in one transaction: one row per entry (see the function).</summary>
    public const string Apply =
        "SELECT * FROM processgrid_global_apply(@cluster_id, @node_name, @creation, @channel, @ops, @kinds, @names, @pids, @resolves, @expected)";

    /// <summary>Replaces the claim numbered <c>@expected_seq</c>: the new number, or null when that claim is gone.</summary>
    public const string Replace = "SELECT processgrid_global_replace(@cluster_id, @kind, @name, @expected_seq, @pid, @node_name, @creation, @resolve, @channel)";

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

/**
 * The PostgreSQL schema, versioned in baton_schema_version. Each entry moves the schema one
 * version up. `migrate` runs them under a transaction-level advisory lock, so any number of
 * agents opening a new board at once create it exactly once.
 */
import type pg from "pg";

/** Advisory lock keys: (BOARD_LOCK_SPACE, n). One board per database. */
export const BOARD_LOCK_SPACE = 0x6261746f; // "bato"
export const MIGRATION_LOCK = 1;
/**
 * Event appenders hold this lock in shared mode from the moment they take a seq until they
 * commit; a reader takes it exclusively for an instant to learn the highest seq whose
 * transaction has finished (see baton_event_horizon below).
 */
export const EVENT_LOCK = 2;

export const MIGRATIONS: readonly string[] = [
  /* 1 */ `
  -- Ids compare in code-point order (COLLATE "C"), as the other stores and core/selection do.
  CREATE TABLE baton_tasks (
    id text COLLATE "C" PRIMARY KEY,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    metadata json NOT NULL DEFAULT '{}',
    result text,
    status text NOT NULL,
    priority text NOT NULL,
    priority_rank smallint NOT NULL,
    needs jsonb NOT NULL DEFAULT '[]',
    depends_on jsonb NOT NULL DEFAULT '[]',
    assigned_to text,
    lease_token bigint,
    lease_expires_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL,
    next_attempt_at timestamptz,
    last_error text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    created_by text
  );
  -- Claim selection walks these partial indexes in order (FOR UPDATE SKIP LOCKED): the best
  -- candidates in O(log n), whatever the number of finished tasks.
  CREATE INDEX baton_tasks_claimable ON baton_tasks (priority_rank, created_at, id)
    WHERE status = 'pending' AND assigned_to IS NULL;
  CREATE INDEX baton_tasks_reserved ON baton_tasks (assigned_to, priority_rank, created_at, id)
    WHERE status = 'pending' AND assigned_to IS NOT NULL;
  CREATE INDEX baton_tasks_leases ON baton_tasks (lease_expires_at) WHERE status = 'in_progress';
  CREATE INDEX baton_tasks_retries ON baton_tasks (next_attempt_at) WHERE status = 'failed';
  CREATE INDEX baton_tasks_status ON baton_tasks (status, created_at, id);
  CREATE INDEX baton_tasks_order ON baton_tasks (created_at, id);
  CREATE INDEX baton_tasks_assignee ON baton_tasks (assigned_to, status);

  CREATE SEQUENCE baton_events_seq;
  CREATE TABLE baton_events (
    seq bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    type text NOT NULL,
    task_id text,
    agent_id text,
    from_status text,
    to_status text,
    details text NOT NULL DEFAULT '',
    data json NOT NULL DEFAULT '{}'
  );
  CREATE INDEX baton_events_task ON baton_events (task_id, seq);
  CREATE INDEX baton_events_agent ON baton_events (agent_id, seq);
  CREATE INDEX baton_events_type ON baton_events (type, seq);

  -- The audit trail is append-only: the database itself refuses edits and deletes.
  CREATE FUNCTION baton_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'baton audit events are append-only';
  END $$;
  CREATE TRIGGER baton_events_no_change BEFORE UPDATE OR DELETE ON baton_events
    FOR EACH ROW EXECUTE FUNCTION baton_events_append_only();
  CREATE TRIGGER baton_events_no_truncate BEFORE TRUNCATE ON baton_events
    FOR EACH STATEMENT EXECUTE FUNCTION baton_events_append_only();

  -- Takes the next seq: first the event lock, shared, held until commit (so a reader can wait
  -- for every transaction holding a seq to finish, see baton_event_horizon).
  CREATE FUNCTION baton_take_seq() RETURNS bigint LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_advisory_xact_lock_shared(${BOARD_LOCK_SPACE}, ${EVENT_LOCK});
    RETURN nextval('baton_events_seq');
  END $$;

  -- Sessions LISTENing for events (see event-listener.ts). A NOTIFY takes a cluster-wide lock
  -- from its commit until the commit is flushed, so notifying transactions commit one at a
  -- time (measured: 8 agents stalled on it, 119 claim cycles/s); writers notify only while
  -- someone listens.
  CREATE TABLE baton_listeners (pid integer PRIMARY KEY, since timestamptz NOT NULL DEFAULT now());

  -- Appends one event, at p_seq when the transaction took it already (a lease token is the
  -- seq of the CLAIMED event that records it), and pokes LISTENers in the same transaction
  -- (NOTIFY is delivered at commit; identical notifications are folded into one).
  CREATE FUNCTION baton_append_event(p_seq bigint, p_at timestamptz, p_type text, p_task_id text,
      p_agent_id text, p_from text, p_to text, p_details text, p_data json) RETURNS bigint LANGUAGE plpgsql AS $$
  DECLARE
    new_seq bigint := coalesce(p_seq, baton_take_seq());
  BEGIN
    INSERT INTO baton_events (seq, at, type, task_id, agent_id, from_status, to_status, details, data)
      VALUES (new_seq, p_at, p_type, p_task_id, p_agent_id, p_from, p_to, p_details, p_data);
    IF EXISTS (SELECT 1 FROM baton_listeners) THEN
      PERFORM pg_notify('baton_events', '');
    END IF;
    RETURN new_seq;
  END $$;

  -- A queued task update must change exactly the row version it was computed from; anything
  -- else is a concurrent change: serialization_failure, and the store re-runs the transaction.
  CREATE FUNCTION baton_expect_one(p_changed bigint, p_task_id text) RETURNS void LANGUAGE plpgsql AS $$
  BEGIN
    IF p_changed <> 1 THEN
      RAISE EXCEPTION 'baton: task % changed under this transaction', p_task_id USING ERRCODE = '40001';
    END IF;
  END $$;

  -- The highest seq such that every transaction that took a seq at or below it has finished
  -- (committed or rolled back). Must run in its own transaction (autocommit), before the
  -- snapshot that reads events: then that snapshot holds every event up to the horizon, and
  -- no later commit can add one below it.
  CREATE FUNCTION baton_event_horizon() RETURNS bigint LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_advisory_xact_lock(${BOARD_LOCK_SPACE}, ${EVENT_LOCK});
    RETURN (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM baton_events_seq);
  END $$;

  CREATE TABLE baton_counters (prefix text PRIMARY KEY, value bigint NOT NULL);
  CREATE TABLE baton_agents (
    id text PRIMARY KEY,
    capabilities jsonb NOT NULL DEFAULT '[]',
    last_seen_at timestamptz NOT NULL
  );
  `,
  /* 2 */ `
  -- Tasks created in the same millisecond (a batch) in the core's natural id order, T-9 before
  -- T-10: id_order is the core's idOrderKey (PREFIX-N with N zero-padded to 15 digits, then a
  -- space and the id; any other id as it is), kept beside the id and keying the ordered indexes.
  CREATE FUNCTION baton_id_order(p_id text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_id ~ '^[A-Za-z][A-Za-z0-9_]{0,31}-[0-9]{1,15}$'
      THEN split_part(p_id, '-', 1) || '-' || lpad(split_part(p_id, '-', 2)::bigint::text, 15, '0') || ' ' || p_id
      ELSE p_id END
  $$;
  ALTER TABLE baton_tasks ADD COLUMN id_order text COLLATE "C" GENERATED ALWAYS AS (baton_id_order(id)) STORED;
  DROP INDEX baton_tasks_claimable, baton_tasks_reserved, baton_tasks_status, baton_tasks_order, baton_tasks_assignee;
  CREATE INDEX baton_tasks_claimable ON baton_tasks (priority_rank, created_at, id_order)
    WHERE status = 'pending' AND assigned_to IS NULL;
  CREATE INDEX baton_tasks_reserved ON baton_tasks (assigned_to, priority_rank, created_at, id_order)
    WHERE status = 'pending' AND assigned_to IS NOT NULL;
  CREATE INDEX baton_tasks_status ON baton_tasks (status, created_at, id_order);
  CREATE INDEX baton_tasks_order ON baton_tasks (created_at, id_order);
  -- Only assigned rows: a claim's best open task (assigned_to IS NULL) must walk
  -- baton_tasks_claimable in order. While the table had no statistics yet (a new board), the
  -- generic plan picked this index and sorted every open task instead: 1.2-4 ms per claim at
  -- 600-1,000 tasks against 0.02 ms.
  CREATE INDEX baton_tasks_assignee ON baton_tasks (assigned_to, status) WHERE assigned_to IS NOT NULL;
  `,
  /* 3 */ `
  -- A one-round-trip operation acts at a time estimated from an earlier reading of this clock
  -- (see speculation.ts): it must not be ahead of the clock, nor more than p_tolerance_ms
  -- behind it; otherwise serialization_failure, and the store runs the operation the usual way.
  CREATE FUNCTION baton_expect_clock(p_ms bigint, p_tolerance_ms integer) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE
    db_ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000)::int8;
  BEGIN
    IF p_ms > db_ms OR db_ms - p_ms > p_tolerance_ms THEN
      RAISE EXCEPTION 'baton: estimated time % is % ms off the database clock', p_ms, db_ms - p_ms USING ERRCODE = '40001';
    END IF;
  END $$;
  `,
  /* 4 */ `
  -- Webhooks (SPEC §10, src/core/webhooks.ts): each hook's cursor into the audit trail and its
  -- delivery lease live in its row; every write to it is compare-and-set on version. Identity
  -- columns never hand an id out twice.
  CREATE TABLE baton_webhooks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url text NOT NULL,
    events jsonb NOT NULL,
    secret text NOT NULL,
    created_at timestamptz NOT NULL,
    cursor bigint NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error text,
    lease_holder text,
    lease_expires_at timestamptz,
    version bigint NOT NULL
  );
  CREATE TABLE baton_webhook_deliveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hook_id bigint NOT NULL,
    seq bigint NOT NULL,
    type text NOT NULL,
    attempt integer NOT NULL,
    outcome text NOT NULL,
    status integer,
    error text,
    at timestamptz NOT NULL,
    duration_ms integer NOT NULL,
    redelivery boolean NOT NULL
  );
  CREATE INDEX baton_webhook_deliveries_hook ON baton_webhook_deliveries (hook_id, id);
  `,
  /* 5 */ `
  -- A task's version (its ETag over HTTP): 1 at creation, +1 on every change. Tasks from
  -- before start at 1, as if just created.
  ALTER TABLE baton_tasks ADD COLUMN version integer NOT NULL DEFAULT 1;
  `,
  /* 6 */ `
  -- The throughput chart counts completions and failures per bucket of time in one query
  -- (board-reads.ts countOutcomes): an index of those two types by time.
  CREATE INDEX baton_events_outcomes ON baton_events (at) WHERE type IN ('COMPLETED', 'FAILED');
  `,
  /* 7 */ `
  -- A task's dependents (board-reads.ts: depends_on ? id) from an index instead of a scan:
  -- GIN's default jsonb_ops answers ?, PostgreSQL keeps it in the task's own transaction, and
  -- building it indexes the existing tasks.
  CREATE INDEX baton_tasks_depends_on ON baton_tasks USING gin (depends_on);
  `,
  /* 8 */ `
  -- \`baton audit rotate\` (src/board/audit-rotate.ts): each archive file of old events, and
  -- the one delete the append-only trail allows — of seqs a committed archive row covers, in
  -- the same transaction that inserts the row. A hand DELETE of any other event still raises.
  -- Times as text: exactly the ISO strings the events carry (the file's own bytes are hashed).
  CREATE TABLE baton_archives (
    from_seq bigint PRIMARY KEY,
    to_seq bigint NOT NULL,
    count bigint NOT NULL,
    file text NOT NULL,
    first_at text NOT NULL,
    last_at text NOT NULL,
    sha256 text NOT NULL,
    bytes bigint NOT NULL,
    rotated_at text NOT NULL
  );
  CREATE TRIGGER baton_archives_no_change BEFORE UPDATE OR DELETE ON baton_archives
    FOR EACH ROW EXECUTE FUNCTION baton_events_append_only();
  CREATE TRIGGER baton_archives_no_truncate BEFORE TRUNCATE ON baton_archives
    FOR EACH STATEMENT EXECUTE FUNCTION baton_events_append_only();
  CREATE FUNCTION baton_events_archived_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF coalesce((SELECT to_seq FROM baton_archives WHERE from_seq <= OLD.seq ORDER BY from_seq DESC LIMIT 1), 0) < OLD.seq THEN
      RAISE EXCEPTION 'baton audit events are append-only';
    END IF;
    RETURN OLD;
  END $$;
  DROP TRIGGER baton_events_no_change ON baton_events;
  CREATE TRIGGER baton_events_no_update BEFORE UPDATE ON baton_events
    FOR EACH ROW EXECUTE FUNCTION baton_events_append_only();
  CREATE TRIGGER baton_events_no_delete BEFORE DELETE ON baton_events
    FOR EACH ROW EXECUTE FUNCTION baton_events_archived_only();
  `,
];

export type MigrationOutcome = "ready" | "missing";

/** The schema version the database is at (0: no board here). */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('baton_schema_version') IS NOT NULL AS exists",
  );
  if (!rows[0]?.exists) return 0;
  const version = await client.query<{ version: number }>("SELECT max(version) AS version FROM baton_schema_version");
  return version.rows[0]?.version ?? 0;
}

/**
 * Brings the schema up to date (when `create`), serialised under an advisory lock so racing
 * processes migrate once. Returns "missing" when there is no board and `create` is false.
 * Throws a plain Error for a board newer than this baton (the caller words it).
 */
export async function migrate(client: pg.ClientBase, create: boolean): Promise<MigrationOutcome> {
  const current = await schemaVersion(client);
  if (current > MIGRATIONS.length) {
    throw new Error(`schema version ${current} is newer than this baton knows (${MIGRATIONS.length})`);
  }
  if (current === MIGRATIONS.length) return "ready";
  if (current === 0 && !create) return "missing";
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [BOARD_LOCK_SPACE, MIGRATION_LOCK]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS baton_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    // Re-read under the lock: another process may have migrated while we waited.
    for (let v = await schemaVersion(client); v < MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v] as string);
      await client.query("INSERT INTO baton_schema_version (version) VALUES ($1)", [v + 1]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
  return "ready";
}

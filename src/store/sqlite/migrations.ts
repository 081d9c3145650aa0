/**
 * Versioned schema, tracked in PRAGMA user_version. Each entry moves the schema one version
 * up; they run inside BEGIN IMMEDIATE, so racing processes opening a new board migrate once.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1 */ `
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    result TEXT,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    needs TEXT NOT NULL DEFAULT '[]',
    depends_on TEXT NOT NULL DEFAULT '[]',
    assigned_to TEXT,
    lease_token INTEGER,
    lease_expires_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    next_attempt_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT
  );
  -- Claim selection walks these partial indexes in order: O(log n) to the best candidate,
  -- whatever the number of finished tasks.
  CREATE INDEX tasks_claimable ON tasks (priority_rank, created_at, id)
    WHERE status = 'pending' AND assigned_to IS NULL;
  CREATE INDEX tasks_reserved ON tasks (assigned_to, priority_rank, created_at, id)
    WHERE status = 'pending' AND assigned_to IS NOT NULL;
  CREATE INDEX tasks_leases ON tasks (lease_expires_at) WHERE status = 'in_progress';
  CREATE INDEX tasks_retries ON tasks (next_attempt_at) WHERE status = 'failed';
  CREATE INDEX tasks_status ON tasks (status, created_at, id);
  CREATE INDEX tasks_assignee ON tasks (assigned_to, status);

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    task_id TEXT,
    agent_id TEXT,
    from_status TEXT,
    to_status TEXT,
    details TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX events_task ON events (task_id, seq);
  CREATE INDEX events_agent ON events (agent_id, seq);
  CREATE INDEX events_type ON events (type, seq);
  -- The audit trail is append-only: the database itself refuses edits and deletes.
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

  CREATE TABLE counters (prefix TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    capabilities TEXT NOT NULL DEFAULT '[]',
    last_seen_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO meta (key, value) VALUES ('lease_token', 0);
  `,
  /* 2 */ `
  -- Fewer pages written per claim. Each page a commit dirties costs ~13 µs to write to the
  -- WAL here (a 4 KB frame), and SQLite's COMMIT was 54 % of a claim+complete cycle: 25 pages.
  -- Events: plain INTEGER PRIMARY KEY instead of AUTOINCREMENT (the table is append-only, so
  -- seq = max + 1 never reuses a number, without writing sqlite_sequence on every event), and
  -- only the per-task index: audit by agent or by type walks the events instead (rare queries
  -- of people; a claim pays for an index on every event).
  CREATE TABLE events_v2 (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    task_id TEXT,
    agent_id TEXT,
    from_status TEXT,
    to_status TEXT,
    details TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
  );
  INSERT INTO events_v2 (seq, at, type, task_id, agent_id, from_status, to_status, details, data)
    SELECT seq, at, type, task_id, agent_id, from_status, to_status, details, data FROM events;
  DROP TABLE events;
  ALTER TABLE events_v2 RENAME TO events;
  DELETE FROM sqlite_sequence WHERE name = 'events';
  CREATE INDEX events_task ON events (task_id, seq);
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

  -- Tasks in the core's natural id order (T-9 before T-10) when created in the same
  -- millisecond, as a batch is: id_order is the core's idOrderKey, kept beside the id.
  ALTER TABLE tasks ADD COLUMN id_order TEXT NOT NULL DEFAULT '';
  UPDATE tasks SET id_order = baton_id_order(id);
  DROP INDEX tasks_claimable;
  DROP INDEX tasks_reserved;
  CREATE INDEX tasks_claimable ON tasks (priority_rank, created_at, id_order)
    WHERE status = 'pending' AND assigned_to IS NULL;
  CREATE INDEX tasks_reserved ON tasks (assigned_to, priority_rank, created_at, id_order)
    WHERE status = 'pending' AND assigned_to IS NOT NULL;

  -- No index keyed on status or holder across all tasks, since the status changes on every
  -- claim and completion. Each status has its own partial index instead: open tasks those
  -- above and of migration 1 (leases, retries), finished ones one each below, touched only
  -- when a task enters or leaves that status; listing in creation order walks tasks_created,
  -- whose key never changes.
  DROP INDEX tasks_status;
  DROP INDEX tasks_assignee;
  CREATE INDEX tasks_created ON tasks (created_at, id_order);
  CREATE INDEX tasks_completed ON tasks (created_at, id_order) WHERE status = 'completed';
  CREATE INDEX tasks_dead ON tasks (created_at, id_order) WHERE status = 'dead';
  CREATE INDEX tasks_cancelled ON tasks (created_at, id_order) WHERE status = 'cancelled';
  `,
  /* 3 */ `
  -- Webhooks (SPEC §10, src/core/webhooks.ts): each hook's cursor into the audit trail and its
  -- delivery lease live in its row; every write to it is compare-and-set on version.
  -- AUTOINCREMENT: an id is never handed out again after its hook is removed.
  CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    cursor INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT,
    lease_holder TEXT,
    lease_expires_at TEXT,
    version INTEGER NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hook_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    status INTEGER,
    error TEXT,
    at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    redelivery INTEGER NOT NULL
  );
  CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (hook_id, id);
  `,
  /* 4 */ `
  -- A task's version (its ETag over HTTP): 1 at creation, +1 on every change. Tasks from
  -- before start at 1, as if just created; no index, an edit reads the row by id anyway.
  ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
  `,
  /* 5 */ `
  -- Audit by agent or by type through an index again (migration 2 dropped them for write
  -- speed; at 1M events a query walked the whole table). Both are partial to keep the claim
  -- path cheap. Measured on one process, 400 claim+complete cycles (WAL pages per cycle):
  -- no audit index 10.9; full (agent_id, seq) + (type, seq) 15.4; these two 13.0.
  -- - events_agent skips events without an agent.
  -- - events_type leaves out the types a claim, a heartbeat and a completion write: they are
  --   the bulk of any trail, so an ordered walk of the events finds a page of them at once.
  --   reads.ts repeats this exact condition in its queries, which is what lets SQLite
  --   use a partial index (the query must contain the index's WHERE term).
  CREATE INDEX events_agent ON events (agent_id, seq) WHERE agent_id IS NOT NULL;
  CREATE INDEX events_type ON events (type, seq) WHERE type NOT IN ('CLAIMED', 'COMPLETED', 'HEARTBEAT');
  `,
  /* 6 */ `
  -- The throughput chart counts completions and failures per bucket of time in one query
  -- (reads.ts COUNT_OUTCOMES) instead of walking the trail: an index of those two types by
  -- time, partial so the other events (claims, heartbeats) pay nothing for it.
  CREATE INDEX events_outcomes ON events (at) WHERE type IN ('COMPLETED', 'FAILED');
  `,
  /* 7 */ `
  -- A task's dependents (the dashboard's task page) from an index instead of a json_each scan
  -- of every task's depends_on: one row per edge, written with the task in the same
  -- transaction (writes.ts), back-filled here from the boards' existing lists.
  CREATE TABLE task_dependencies (
    depends_on TEXT NOT NULL,
    task_id TEXT NOT NULL,
    PRIMARY KEY (depends_on, task_id)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO task_dependencies (depends_on, task_id)
    SELECT json_each.value, tasks.id FROM tasks, json_each(tasks.depends_on);
  `,
  /* 8 */ `
  -- \`baton audit rotate\` (src/board/audit-rotate.ts): each archive file of old events, and
  -- the one delete the append-only trail allows — of seqs a committed archive row covers, in
  -- the same transaction that inserts the row. A hand DELETE of any other event still aborts.
  CREATE TABLE archives (
    from_seq INTEGER PRIMARY KEY,
    to_seq INTEGER NOT NULL,
    count INTEGER NOT NULL,
    file TEXT NOT NULL,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    rotated_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TRIGGER archives_no_update BEFORE UPDATE ON archives
    BEGIN SELECT RAISE(ABORT, 'audit archives are append-only'); END;
  CREATE TRIGGER archives_no_delete BEFORE DELETE ON archives
    BEGIN SELECT RAISE(ABORT, 'audit archives are append-only'); END;
  DROP TRIGGER events_no_delete;
  -- One primary-key probe per deleted row: the archive starting at or before the seq.
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    WHEN coalesce((SELECT to_seq FROM archives WHERE from_seq <= old.seq ORDER BY from_seq DESC LIMIT 1), 0) < old.seq
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
  `,
];

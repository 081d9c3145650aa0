/**
 * The reads and writes of one PostgreSQL transaction, at READ COMMITTED. Writes are safe from
 * lost updates in two layers:
 * - rows the board reads in order to change them are locked as they are read: a task by id
 *   `FOR UPDATE`; claim candidates, expired leases and due retries `FOR UPDATE SKIP LOCKED`
 *   (another claimer is already taking those rows: no table-wide lock, no waiting);
 * - every task read remembers the row version it saw (xmin), and `updateTask` only writes if
 *   the row is still at that version; otherwise it throws StaleRow and the store re-runs the
 *   transaction (the Store contract allows it).
 */
import { PRIORITY_RANK, TASK_STATUSES } from "../../core/task.js";
import { agentFromRow, eventFromRow, TASK_COLUMNS, taskFromRow, taskParams } from "./rows.js";
import type { Agent, BoardEvent, NewEvent, Priority, Task, TaskStatus } from "../../core/task.js";
import type { EventQuery, StoreWriter, TaskQuery } from "../store.js";
import type { AgentRow, EventRow, TaskRow } from "./rows.js";
import type pg from "pg";

/** The row changed between our read and our write: re-run the whole transaction. */
export class StaleRow extends Error {
  constructor(readonly taskId: string) {
    super(`task ${taskId} changed under this transaction`);
  }
}

export type TxMode = "read" | "write";

const CLAIM_ORDER = "ORDER BY priority_rank, created_at, id";

export class BoardTx implements StoreWriter {
  /** Row version (xmin) each task object was read at. */
  private readonly versions = new WeakMap<Task, string>();
  /** Due retries fetched together with expired leases (one round trip for both). */
  private prefetchedRetries: { nowIso: string; limit: number; tasks: Task[] } | undefined;
  /** The seq nextLeaseToken took, for the CLAIMED event appended next. */
  private reservedSeq: number | undefined;
  /** A candidate page came back short while other transactions held candidate rows. */
  sawLockedCandidates = false;
  private started = false;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly mode: TxMode,
    /**
     * The BEGIN statement, sent lazily with the first query: the board's first query is
     * `now()`, which has no parameters, so BEGIN and it travel in one round trip. Read
     * transactions also need listEvents to take its horizon before the snapshot begins.
     */
    private readonly beginSql: string,
  ) {}

  /** Whether BEGIN was sent (so the store must COMMIT or ROLLBACK). */
  get begun(): boolean {
    return this.started;
  }

  private async query<R extends pg.QueryResultRow>(name: string | undefined, text: string, values: unknown[] = []): Promise<R[]> {
    if (!this.started) {
      this.started = true;
      await this.client.query(this.beginSql);
    }
    const result = await this.client.query<R>(name ? { name, text, values } : { text, values });
    return result.rows;
  }

  /**
   * The database's clock at this statement (clock_timestamp, not now(): now() is frozen at
   * the transaction's start). The board reads it first thing in each transaction.
   */
  async now(): Promise<number> {
    const sql = "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::int8 AS ms";
    let rows: { ms: number }[];
    if (!this.started) {
      this.started = true;
      const results = (await this.client.query(`${this.beginSql}; ${sql}`)) as unknown as pg.QueryResult<{ ms: number }>[];
      rows = results[1]?.rows ?? [];
    } else {
      rows = (await this.client.query<{ ms: number }>({ name: "db-clock", text: sql })).rows;
    }
    return (rows[0] as { ms: number }).ms;
  }

  private tasks(rows: TaskRow[]): Task[] {
    return rows.map((row) => {
      const task = taskFromRow(row);
      this.versions.set(task, row.row_version);
      return task;
    });
  }

  private get lock(): string {
    return this.mode === "write" ? "FOR UPDATE" : "";
  }

  private get skipLocked(): string {
    return this.mode === "write" ? "FOR UPDATE SKIP LOCKED" : "";
  }

  async getTask(id: string): Promise<Task | undefined> {
    const rows = await this.query<TaskRow>(
      `get-task-${this.mode}`,
      `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE id = $1 ${this.lock}`,
      [id],
    );
    return this.tasks(rows)[0];
  }

  async getTasks(ids: readonly string[]): Promise<Task[]> {
    if (ids.length === 0) return [];
    if (this.mode === "read") {
      return this.tasks(
        await this.query<TaskRow>("get-tasks-read", `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE id = ANY($1)`, [ids]),
      );
    }
    // Open tasks are locked for update, in id order (no deadlock between two batch claims).
    // Completed tasks never change status again: a shared lock is enough, so claims of many
    // tasks that wait for the same finished task do not queue behind each other. Two
    // statements, so a task that completes between them is seen by the second.
    const open = await this.query<TaskRow>(
      "get-tasks-open",
      `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE id = ANY($1) AND status <> 'completed' ORDER BY id FOR UPDATE`,
      [ids],
    );
    const missing = ids.filter((id) => !open.some((row) => row.id === id));
    const done =
      missing.length === 0
        ? []
        : await this.query<TaskRow>(
            "get-tasks-done",
            `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE id = ANY($1) AND status = 'completed' ORDER BY id FOR SHARE`,
            [missing],
          );
    return this.tasks([...open, ...done]);
  }

  async listTasks(query: TaskQuery): Promise<Task[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.statuses && query.statuses.length > 0) {
      values.push(query.statuses);
      where.push(`status = ANY($${values.length})`);
    }
    if (query.assignedTo !== undefined) {
      values.push(query.assignedTo);
      where.push(`assigned_to = $${values.length}`);
    }
    if (query.text !== undefined) {
      values.push(query.text.toLowerCase());
      const p = `$${values.length}`;
      where.push(`(strpos(lower(id), ${p}) > 0 OR strpos(lower(title), ${p}) > 0 OR strpos(lower(description), ${p}) > 0)`);
    }
    values.push(query.limit ?? null, query.offset ?? 0);
    const sql =
      `SELECT ${TASK_COLUMNS} FROM baton_tasks ${where.length ? `WHERE ${where.join(" AND ")}` : ""}` +
      ` ORDER BY created_at, id LIMIT $${values.length - 1} OFFSET $${values.length}`;
    return this.tasks(await this.query<TaskRow>(undefined, sql, values));
  }

  async countByStatus(): Promise<Record<TaskStatus, number>> {
    const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    const rows = await this.query<{ status: TaskStatus; n: number }>(
      "count-by-status",
      "SELECT status, count(*)::int AS n FROM baton_tasks GROUP BY status",
    );
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /**
   * Reserved-for-this-agent candidates, then open ones, in one round trip. In a write
   * transaction the rows are locked with SKIP LOCKED: a row another claimer holds is skipped,
   * not waited for. When the page comes back short and other transactions held candidate rows,
   * `sawLockedCandidates` tells the store to re-run a claim that found nothing, rather than
   * report "nothing ready" while those rows may come free.
   */
  async claimCandidates(agentId: string, limit: number, offset: number): Promise<Task[]> {
    const window = offset + limit;
    const rows = await this.query<TaskRow & { part: number }>(
      `claim-candidates-${this.mode}`,
      `WITH mine AS (
         SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to = $1
         ${CLAIM_ORDER} LIMIT $2 ${this.skipLocked}),
       open AS (
         SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to IS NULL
         ${CLAIM_ORDER} LIMIT $2 ${this.skipLocked})
       SELECT 0 AS part, * FROM mine UNION ALL SELECT 1 AS part, * FROM open`,
      [agentId, window],
    );
    const ordered = this.tasks(rows.sort(byClaimOrder));
    const page = ordered.slice(offset, offset + limit);
    if (this.mode === "write" && page.length < limit) {
      const [scope] = await this.query<{ n: number }>(
        "claim-scope",
        `SELECT (SELECT count(*) FROM (SELECT 1 FROM baton_tasks WHERE status = 'pending' AND assigned_to = $1 LIMIT $2) a)::int
              + (SELECT count(*) FROM (SELECT 1 FROM baton_tasks WHERE status = 'pending' AND assigned_to IS NULL LIMIT $2) b)::int AS n`,
        [agentId, window],
      );
      if ((scope?.n ?? 0) > rows.length) this.sawLockedCandidates = true;
    }
    return page;
  }

  async expiredLeases(nowIso: string, limit: number): Promise<Task[]> {
    if (this.mode === "read") {
      return this.tasks(
        await this.query<TaskRow>(
          "expired-leases-read",
          `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'in_progress' AND lease_expires_at <= $1
           ORDER BY lease_expires_at, created_at, id LIMIT $2`,
          [nowIso, limit],
        ),
      );
    }
    // The board recovers expired leases and then due retries on every claim: fetch (and lock)
    // both in one round trip. Expiring a lease never makes a task a due retry, so the
    // prefetched retries are still right when dueRetries asks for them.
    const rows = await this.query<TaskRow & { part: number }>(
      "recoverable-write",
      `WITH expired AS (
         SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'in_progress' AND lease_expires_at <= $1
         ORDER BY lease_expires_at, created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED),
       due AS (
         SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'failed' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       SELECT 0 AS part, * FROM expired UNION ALL SELECT 1 AS part, * FROM due`,
      [nowIso, limit],
    );
    const by = (part: number, key: "lease_expires_at" | "next_attempt_at"): TaskRow[] =>
      rows
        .filter((r) => r.part === part)
        .sort(
          (a, b) =>
            compareText(a[key] ?? "", b[key] ?? "") || compareText(a.created_at, b.created_at) || compareText(a.id, b.id),
        );
    this.prefetchedRetries = { nowIso, limit, tasks: this.tasks(by(1, "next_attempt_at")) };
    return this.tasks(by(0, "lease_expires_at"));
  }

  async dueRetries(nowIso: string, limit: number): Promise<Task[]> {
    const prefetched = this.prefetchedRetries;
    this.prefetchedRetries = undefined;
    if (prefetched && prefetched.nowIso === nowIso && prefetched.limit === limit) return prefetched.tasks;
    return this.tasks(
      await this.query<TaskRow>(
        `due-retries-${this.mode}`,
        `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'failed' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, created_at, id LIMIT $2 ${this.skipLocked}`,
        [nowIso, limit],
      ),
    );
  }

  async listEvents(query: EventQuery): Promise<BoardEvent[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (!this.started && this.mode === "read") {
      // Events commit out of seq order (seq is taken before commit). Read only up to the
      // horizon, below which every transaction has finished, so a watcher polling with
      // afterSeq never skips an event that commits later with a lower seq.
      const [horizon] = await this.client.query<{ h: number }>("SELECT baton_event_horizon() AS h").then((r) => r.rows);
      values.push(horizon?.h ?? 0);
      where.push(`seq <= $${values.length}`);
    }
    const add = (clause: string, value: unknown): void => {
      values.push(value);
      where.push(`${clause} $${values.length}`);
    };
    if (query.taskId !== undefined) add("task_id =", query.taskId);
    if (query.agentId !== undefined) add("agent_id =", query.agentId);
    if (query.type !== undefined) add("type =", query.type);
    if (query.afterSeq !== undefined) add("seq >", query.afterSeq);
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    if (query.recent !== undefined) {
      values.push(query.recent);
      const rows = await this.query<EventRow>(
        undefined,
        `SELECT * FROM baton_events ${filter} ORDER BY seq DESC LIMIT $${values.length}`,
        values,
      );
      return rows.reverse().map(eventFromRow);
    }
    values.push(query.limit ?? null);
    const rows = await this.query<EventRow>(
      undefined,
      `SELECT * FROM baton_events ${filter} ORDER BY seq LIMIT $${values.length}`,
      values,
    );
    return rows.map(eventFromRow);
  }

  async getAgent(id: string): Promise<Agent | undefined> {
    const rows = await this.query<AgentRow>(
      `get-agent-${this.mode}`,
      `SELECT id, capabilities, last_seen_at FROM baton_agents WHERE id = $1 ${this.lock}`,
      [id],
    );
    return rows[0] && agentFromRow(rows[0]);
  }

  async listAgents(): Promise<Agent[]> {
    const rows = await this.query<AgentRow>("list-agents", "SELECT id, capabilities, last_seen_at FROM baton_agents ORDER BY id");
    return rows.map(agentFromRow);
  }

  async counters(): Promise<Record<string, number>> {
    const rows = await this.query<{ prefix: string; value: number }>(
      "counters",
      "SELECT prefix, value FROM baton_counters ORDER BY prefix",
    );
    return Object.fromEntries(rows.map((r) => [r.prefix, r.value]));
  }

  async insertTask(task: Task): Promise<void> {
    await this.query(
      "insert-task",
      `INSERT INTO baton_tasks (id, title, description, metadata, result, status, priority, priority_rank,
         needs, depends_on, assigned_to, lease_token, lease_expires_at, attempts, max_attempts,
         next_attempt_at, last_error, created_at, updated_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
      taskParams(task),
    );
  }

  async updateTask(after: Task, before: Task): Promise<void> {
    const version = this.versions.get(before) ?? null;
    const rows = await this.query<{ id: string }>(
      "update-task",
      `UPDATE baton_tasks SET title = $2, description = $3, metadata = $4, result = $5, status = $6,
         priority = $7, priority_rank = $8, needs = $9, depends_on = $10, assigned_to = $11,
         lease_token = $12, lease_expires_at = $13, attempts = $14, max_attempts = $15,
         next_attempt_at = $16, last_error = $17, created_at = $18, updated_at = $19, created_by = $20
       WHERE id = $1 AND ($21::text IS NULL OR xmin = $21::text::xid) RETURNING id`,
      [...taskParams(after), version],
    );
    if (rows.length !== 1) {
      if (version !== null) throw new StaleRow(after.id);
      throw new Error(`update of task ${after.id} changed ${rows.length} rows`);
    }
  }

  async appendEvent(event: NewEvent): Promise<BoardEvent> {
    const reserved = this.reservedSeq ?? null;
    this.reservedSeq = undefined;
    const [row] = await this.query<{ seq: number }>(
      "append-event",
      "SELECT baton_append_event($1, $2, $3, $4, $5, $6, $7, $8, $9) AS seq",
      [reserved, event.at, event.type, event.taskId, event.agentId, event.from, event.to, event.details, JSON.stringify(event.data)],
    );
    return { ...event, seq: (row as { seq: number }).seq };
  }

  async advanceCounter(prefix: string, n: number): Promise<number> {
    const [row] = await this.query<{ value: number }>(
      "advance-counter",
      `INSERT INTO baton_counters (prefix, value) VALUES ($1, $2)
       ON CONFLICT (prefix) DO UPDATE SET value = baton_counters.value + EXCLUDED.value RETURNING value`,
      [prefix, n],
    );
    return (row as { value: number }).value;
  }

  async raiseCounter(prefix: string, atLeast: number): Promise<void> {
    await this.query(
      "raise-counter",
      `INSERT INTO baton_counters (prefix, value) VALUES ($1, $2)
       ON CONFLICT (prefix) DO UPDATE SET value = GREATEST(baton_counters.value, EXCLUDED.value)`,
      [prefix, atLeast],
    );
  }

  /**
   * A lease token is the seq of the CLAIMED event that will record it: the board appends that
   * event next. So tokens strictly increase across the board in audit order, as on the
   * embedded stores, without serialising claims: a sequence never blocks.
   */
  async nextLeaseToken(): Promise<number> {
    const [row] = await this.query<{ token: number }>("next-lease-token", "SELECT baton_take_seq() AS token");
    const token = (row as { token: number }).token;
    this.reservedSeq = token;
    return token;
  }

  async putAgent(agent: Agent): Promise<void> {
    await this.query(
      "put-agent",
      `INSERT INTO baton_agents (id, capabilities, last_seen_at) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET capabilities = EXCLUDED.capabilities, last_seen_at = EXCLUDED.last_seen_at`,
      [agent.id, JSON.stringify(agent.capabilities), agent.lastSeenAt],
    );
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byClaimOrder(a: TaskRow & { part: number }, b: TaskRow & { part: number }): number {
  return (
    a.part - b.part ||
    PRIORITY_RANK[a.priority as Priority] - PRIORITY_RANK[b.priority as Priority] ||
    compareText(a.created_at, b.created_at) ||
    compareText(a.id, b.id)
  );
}

/**
 * The embedded default store: one SQLite file in WAL mode, any number of processes.
 * Every write transaction is BEGIN IMMEDIATE (it takes the write lock up front, so two
 * processes never both read a task as pending and both claim it); reads run in deferred
 * transactions on a WAL snapshot and never wait for writers.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { assertNever } from "../../core/exhaustive.js";
import { checkStoredToken, tokenAfter } from "../../core/fencing.js";
import { idOrderKey } from "../../core/selection.js";
import { TASK_STATUSES } from "../../core/task.js";
import { SerialQueue } from "../serial-queue.js";
import { retryWhileBusy } from "./busy.js";
import { Doorbell } from "./doorbell.js";
import { checkBoardSchema, inspectBoardFile, restoreSidecarModes, unwritableFiles } from "./board-file.js";
import { MIGRATIONS } from "./migrations.js";
import { agentFromRow, eventFromRow, rowFromTask, taskFromRow } from "./rows.js";
import { SqliteWebhooks } from "./webhooks.js";
import type { Agent, BoardEvent, NewEvent, Task, TaskStatus } from "../../core/task.js";
import type { EventQuery, Store, StoreOptions, StoreReader, StoreWriter, TaskQuery, WebhookStore } from "../store.js";
import type { SqlRunner } from "./webhooks.js";
import type { AgentRow, EventRow, TaskRow } from "./rows.js";

type Statement = Database.Statement<unknown[], unknown>;

export function openSqliteStore(path: string, options: StoreOptions = {}): SqliteStore {
  return new SqliteStore(path, options);
}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private readonly queue = new SerialQueue();
  private readonly lockTimeoutMs: number;
  private readonly tx: StoreWriter;
  readonly webhooks: WebhookStore;
  /** The last lease token handed out in the current write transaction. */
  private lastToken = 0;
  /** Opened by the first write transaction; null where the board cannot have one. */
  private doorbell: Doorbell | null | undefined;

  constructor(
    readonly location: string,
    options: StoreOptions = {},
  ) {
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    const create = options.create ?? true;
    if (location !== ":memory:") {
      if (inspectBoardFile(location, create) === "absent") mkdirSync(dirname(location), { recursive: true });
      else restoreSidecarModes(location);
    }
    // busy_timeout 0: we wait for the write lock ourselves (see busy.ts).
    this.db = new Database(location, { timeout: 0 });
    try {
      this.guard(() => {
        // Before anything is written: another application's database stays as it is.
        this.retry(() => checkBoardSchema(this.db, location, create, MIGRATIONS.length));
        this.retry(() => this.db.pragma("journal_mode = WAL"));
        this.db.pragma(`synchronous = ${options.durability === "full" ? "FULL" : "NORMAL"}`);
        this.db.pragma("foreign_keys = OFF");
        // A checkpoint (copy the WAL into the database, two fsyncs) every 10,000 pages instead of
        // SQLite's 1,000: a claim+complete writes ~23 pages, so the default checkpointed every
        // ~43 cycles and each one stalled its process ~15 ms. Single process: 1,014 → 1,403
        // cycles/s, claim p99 14.9 → 0.7 ms. The WAL file then peaks near 40 MB.
        this.db.pragma("wal_autocheckpoint = 10000");
        this.migrate();
      });
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.tx = this.makeWriter();
    const sql: SqlRunner = {
      all: (text, ...params) => this.all(text, ...params),
      get: (text, ...params) => this.get(text, ...params),
      run: (text, ...params) => this.run(text, ...params),
    };
    this.webhooks = new SqliteWebhooks((write, fn) =>
      write ? this.transaction(async () => fn(sql)) : this.read(async () => fn(sql)),
    );
  }

  private migrate(): void {
    // Migration 2 fills the id_order column of existing tasks with the core's own key.
    this.db.function("baton_id_order", { deterministic: true }, (id: unknown) => idOrderKey(String(id)));
    const version = (): number => this.db.pragma("user_version", { simple: true }) as number;
    // An older baton must not write to a newer schema (schema 2 takes lease tokens from the
    // event seq; schema 1 code would hand out tokens from its old counter, possibly twice).
    if (version() > MIGRATIONS.length) {
      throw new BatonError(
        ErrorCode.CORRUPT_STORE,
        `the board ${this.location} was created by a newer baton (schema version ${version()} is newer than ` +
          `this baton knows (${MIGRATIONS.length})); upgrade baton`,
        { location: this.location },
      );
    }
    if (version() >= MIGRATIONS.length) return;
    this.immediate(() => {
      for (let v = version(); v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v] as string);
        this.db.pragma(`user_version = ${v + 1}`);
      }
    });
  }

  /** Maps SQLite's own failures to baton's: a garbage file is CORRUPT_STORE, never rewritten. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
        throw new BatonError(
          ErrorCode.CORRUPT_STORE,
          `the board database ${this.location} is corrupt or not a baton board (${(error as Error).message}); ` +
            "it was left untouched: restore it from a backup or move it aside and run `baton init`",
          { location: this.location },
        );
      }
      if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_IOERR")) {
        const readOnly = this.location === ":memory:" ? [] : unwritableFiles(this.location);
        throw new BatonError(
          ErrorCode.STORE_UNAVAILABLE,
          `cannot use the board database ${this.location}: ${(error as Error).message}` +
            (readOnly.length > 0 ? `; not writable: ${readOnly.join(", ")} (make them writable, e.g. chmod u+w)` : ""),
          { location: this.location, ...(readOnly.length > 0 && { readOnly }) },
        );
      }
      throw error;
    }
  }

  private retry<T>(fn: () => T, doorbell: Doorbell | null = null): T {
    return retryWhileBusy(fn, { timeoutMs: this.lockTimeoutMs, doorbell }, (waited) => {
      throw new BatonError(
        ErrorCode.LOCK_TIMEOUT,
        `the board ${this.location} stayed locked by other writers for ${Math.round(waited)} ms; retry, or raise the lock timeout`,
        { location: this.location, waitedMs: Math.round(waited) },
      );
    });
  }

  /** A synchronous BEGIN IMMEDIATE … COMMIT, used for migrations. */
  private immediate(fn: () => void): void {
    this.retry(() => this.db.exec("BEGIN IMMEDIATE"));
    try {
      fn();
      this.db.exec("COMMIT");
    } catch (error) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw error;
    }
  }

  transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      if (this.doorbell === undefined) this.doorbell = this.location === ":memory:" ? null : Doorbell.open(this.location);
      const doorbell = this.doorbell;
      this.guard(() => this.retry(() => this.db.exec("BEGIN IMMEDIATE"), doorbell));
      this.lastToken = 0;
      try {
        const result = await fn(this.tx);
        this.guard(() => this.retry(() => this.db.exec("COMMIT")));
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error;
      } finally {
        // The write lock is free: wake the process that waits longest for it.
        doorbell?.ring();
      }
    });
  }

  read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      this.guard(() => this.db.exec("BEGIN DEFERRED"));
      try {
        return await fn(this.tx);
      } finally {
        if (this.db.inTransaction) this.db.exec("COMMIT");
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.run(async () => {
      this.db.close();
      this.doorbell?.close();
    });
  }

  private stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.guard(() => this.db.prepare(sql));
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private all<R>(sql: string, ...params: unknown[]): R[] {
    return this.guard(() => this.stmt(sql).all(...params) as R[]);
  }

  private get<R>(sql: string, ...params: unknown[]): R | undefined {
    return this.guard(() => this.stmt(sql).get(...params) as R | undefined);
  }

  private run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.guard(() => this.stmt(sql).run(...params));
  }

  private makeWriter(): StoreWriter {
    const tasks = (sql: string, ...params: unknown[]): Task[] => this.all<TaskRow>(sql, ...params).map(taskFromRow);
    return {
      getTask: async (id) => {
        const row = this.get<TaskRow>("SELECT * FROM tasks WHERE id = ?", id);
        return row && taskFromRow(row);
      },
      getTasks: async (ids) => {
        if (ids.length === 0) return [];
        return tasks("SELECT * FROM tasks WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(ids));
      },
      listTasks: async (query) => this.listTasks(query),
      countTasks: async (query) => this.countTasks(query),
      countByStatus: async () => {
        const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
        for (const row of this.all<{ status: TaskStatus; n: number }>(COUNT_BY_STATUS)) counts[row.status] += row.n;
        return counts;
      },
      claimCandidates: async (agentId, limit, offset) => {
        const reserved = tasks(
          `SELECT * FROM tasks INDEXED BY tasks_reserved WHERE status = 'pending' AND assigned_to = ?
           ORDER BY priority_rank, created_at, id_order LIMIT ${sqlLimit(limit + offset)}`,
          agentId,
        );
        const page = reserved.slice(offset, offset + limit);
        if (page.length === limit) return page;
        const open = tasks(
          `SELECT * FROM tasks INDEXED BY tasks_claimable WHERE status = 'pending' AND assigned_to IS NULL
           ORDER BY priority_rank, created_at, id_order LIMIT ${sqlLimit(limit - page.length)} OFFSET ?`,
          Math.max(0, offset - reserved.length),
        );
        return [...page, ...open];
      },
      expiredLeases: async (nowIso, limit) =>
        tasks(
          `SELECT * FROM tasks INDEXED BY tasks_leases WHERE status = 'in_progress' AND lease_expires_at <= ?
           ORDER BY lease_expires_at LIMIT ${sqlLimit(limit)}`,
          nowIso,
        ),
      dueRetries: async (nowIso, limit) =>
        tasks(
          `SELECT * FROM tasks INDEXED BY tasks_retries WHERE status = 'failed' AND next_attempt_at <= ?
           ORDER BY next_attempt_at LIMIT ${sqlLimit(limit)}`,
          nowIso,
        ),
      listEvents: async (query) => this.listEvents(query),
      getAgent: async (id) => {
        const row = this.get<AgentRow>("SELECT * FROM agents WHERE id = ?", id);
        return row && agentFromRow(row);
      },
      listAgents: async () => this.all<AgentRow>("SELECT * FROM agents ORDER BY id").map(agentFromRow),
      counters: async () =>
        Object.fromEntries(
          this.all<{ prefix: string; value: number }>("SELECT prefix, value FROM counters ORDER BY prefix").map(
            (r) => [r.prefix, r.value],
          ),
        ),
      insertTask: async (task) => {
        this.run(
          `INSERT INTO tasks (id, id_order, title, description, metadata, result, status, priority, priority_rank,
             needs, depends_on, assigned_to, lease_token, lease_expires_at, attempts, max_attempts,
             next_attempt_at, last_error, created_at, updated_at, created_by)
           VALUES (@id, @id_order, @title, @description, @metadata, @result, @status, @priority, @priority_rank,
             @needs, @depends_on, @assigned_to, @lease_token, @lease_expires_at, @attempts, @max_attempts,
             @next_attempt_at, @last_error, @created_at, @updated_at, @created_by)`,
          { ...rowFromTask(task), id_order: idOrderKey(task.id) },
        );
      },
      updateTask: async (after, before) => {
        // Only the columns that changed: SQLite rewrites the entries of every index that
        // names an assigned column, so a full-row UPDATE touched all six task indexes and
        // wrote ~23 WAL pages per claim+complete (94 KB); see updateStatement.
        const next = rowFromTask(after);
        const result = this.guard(() => this.updateStatement(changedColumns(next, rowFromTask(before))).run(next));
        if (result.changes !== 1) throw new Error(`update of ${after.id} changed ${result.changes} rows`);
      },
      appendEvent: async (event) => this.appendEvent(event),
      advanceCounter: async (prefix, n) =>
        (
          this.get<{ value: number }>(
            `INSERT INTO counters (prefix, value) VALUES (?, ?)
             ON CONFLICT (prefix) DO UPDATE SET value = value + excluded.value RETURNING value`,
            prefix,
            n,
          ) as { value: number }
        ).value,
      raiseCounter: async (prefix, atLeast) => {
        this.run(
          `INSERT INTO counters (prefix, value) VALUES (?, ?)
           ON CONFLICT (prefix) DO UPDATE SET value = max(value, excluded.value)`,
          prefix,
          atLeast,
        );
      },
      nextLeaseToken: async () => {
        // The seq the next event will get. A claim appends its CLAIMED event right after taking
        // a token, in the same transaction, so every token handed out is <= max(seq) once
        // committed, and the next one is greater: no counter row to rewrite on every claim
        // (one 4 KB page less per claim). meta's lease_token (the counter of schema 1) stays
        // as a floor for boards created before; lastToken guards two tokens in one transaction.
        // While the floor is above every seq, a token taken from it raises it (else the next
        // claim, one seq later but still below the floor, would get the same token).
        const { seq, floor } = this.get<{ seq: number; floor: number }>(
          `SELECT coalesce((SELECT max(seq) FROM events), 0) AS seq,
                  (SELECT value FROM meta WHERE key = 'lease_token') AS floor`,
        ) as { seq: number; floor: number };
        const record = `the board ${this.location} (its newest event seq, or meta's lease_token)`;
        const last = Math.max(checkStoredToken(seq, record), checkStoredToken(floor, record), this.lastToken);
        this.lastToken = tokenAfter(last, record);
        if (floor >= seq) this.run("UPDATE meta SET value = ? WHERE key = 'lease_token'", this.lastToken);
        return this.lastToken;
      },
      putAgent: async (agent: Agent) => {
        this.run(
          `INSERT INTO agents (id, capabilities, last_seen_at) VALUES (?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET capabilities = excluded.capabilities, last_seen_at = excluded.last_seen_at`,
          agent.id,
          JSON.stringify(agent.capabilities),
          agent.lastSeenAt,
        );
      },
    };
  }

  /** One prepared UPDATE per set of changed columns (a handful: claim, complete, fail…). */
  private updateStatement(columns: readonly string[]): Statement {
    return this.stmt(`UPDATE tasks SET ${columns.map((c) => `${c} = @${c}`).join(", ")} WHERE id = @id`);
  }

  private listTasks(query: TaskQuery): Task[] {
    const { from, params } = this.taskSelection(query);
    return this.all<TaskRow>(`SELECT * ${from} ORDER BY created_at, id_order LIMIT ?`, ...params, query.limit ?? -1).map(
      taskFromRow,
    );
  }

  private countTasks(query: TaskQuery): number {
    const { from, params } = this.taskSelection(query);
    return (this.get<{ n: number }>(`SELECT count(*) AS n ${from}`, ...params) as { n: number }).n;
  }

  /** FROM … WHERE … of the tasks a query selects, with its parameters. */
  private taskSelection(query: TaskQuery): { from: string; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.assignedTo !== undefined) {
      where.push("assigned_to = ?");
      params.push(query.assignedTo);
    }
    if (query.text !== undefined) {
      where.push("(instr(lower(id), ?) > 0 OR instr(lower(title), ?) > 0 OR instr(lower(description), ?) > 0)");
      const needle = query.text.toLowerCase();
      params.push(needle, needle, needle);
    }
    if (query.after !== undefined) {
      // A row value comparison SQLite walks tasks_created (or a status index) from.
      where.push("(created_at, id_order) > (?, ?)");
      params.push(query.after.createdAt, idOrderKey(query.after.id));
    }
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    // Some statuses: the union of their partial indexes, sorted (few rows for open statuses,
    // and one ordered index walk for a finished one). All statuses: the creation-order index.
    const source =
      query.statuses && query.statuses.length > 0
        ? `(${tasksOfStatuses(query.statuses)})`
        : "tasks";
    return { from: `FROM ${source} ${filter}`, params };
  }

  private listEvents(query: EventQuery): BoardEvent[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.taskId !== undefined) {
      where.push("task_id = ?");
      params.push(query.taskId);
    }
    if (query.agentId !== undefined) {
      where.push("agent_id = ?");
      params.push(query.agentId);
    }
    if (query.type !== undefined) {
      where.push("type = ?");
      params.push(query.type);
    }
    if (query.afterSeq !== undefined) {
      where.push("seq > ?");
      params.push(query.afterSeq);
    }
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    let rows: EventRow[];
    if (query.recent !== undefined) {
      rows = this.all<EventRow>(`SELECT * FROM events ${filter} ORDER BY seq DESC LIMIT ?`, ...params, query.recent);
      rows.reverse();
    } else {
      rows = this.all<EventRow>(`SELECT * FROM events ${filter} ORDER BY seq LIMIT ?`, ...params, query.limit ?? -1);
    }
    return rows.map(eventFromRow);
  }

  private appendEvent(event: NewEvent): void {
    this.run(
      `INSERT INTO events (at, type, task_id, agent_id, from_status, to_status, details, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      event.at,
      event.type,
      event.taskId,
      event.agentId,
      event.from,
      event.to,
      event.details,
      JSON.stringify(event.data),
    );
  }
}

/**
 * Where the tasks of one status are: each partial index that holds them (migrations 1 and 2)
 * with its condition. Queries name the index (the planner would otherwise walk tasks_created
 * to save the sort, reading every task); statuses come from TASK_STATUSES, never from input.
 */
function statusIndexes(status: TaskStatus): { index: string; condition: string }[] {
  switch (status) {
    case "pending":
      return [
        { index: "tasks_claimable", condition: "status = 'pending' AND assigned_to IS NULL" },
        { index: "tasks_reserved", condition: "status = 'pending' AND assigned_to IS NOT NULL" },
      ];
    case "in_progress":
      return [{ index: "tasks_leases", condition: "status = 'in_progress'" }];
    case "failed":
      return [{ index: "tasks_retries", condition: "status = 'failed'" }];
    case "completed":
    case "dead":
    case "cancelled":
      return [{ index: `tasks_${status}`, condition: `status = '${status}'` }];
    default:
      return assertNever(status, "status");
  }
}

/** Tasks per status, counted through each status's partial index (a GROUP BY would read the whole table). */
const COUNT_BY_STATUS = TASK_STATUSES.flatMap((status) =>
  statusIndexes(status).map(
    ({ index, condition }) => `SELECT '${status}' AS status, count(*) AS n FROM tasks INDEXED BY ${index} WHERE ${condition}`,
  ),
).join(" UNION ALL ");

/** The tasks of some statuses, each read through its own index. */
function tasksOfStatuses(statuses: readonly TaskStatus[]): string {
  return statuses
    .flatMap(statusIndexes)
    .map(({ index, condition }) => `SELECT * FROM tasks INDEXED BY ${index} WHERE ${condition}`)
    .join(" UNION ALL ");
}

/** Columns whose value differs; updated_at always, so an update always names one column. */
function changedColumns(next: TaskRow, prev: TaskRow): string[] {
  const columns = (Object.keys(next) as (keyof TaskRow)[]).filter(
    (c) => c !== "id" && c !== "updated_at" && next[c] !== prev[c],
  );
  columns.push("updated_at");
  return columns;
}

/**
 * A LIMIT written into the SQL rather than bound: SQLite (built with STAT4) lets a bound LIMIT
 * steer the plan, so every bind of it re-prepares the statement: 35 µs per query instead of
 * 1 µs, four times per claim. The few limits the board uses each get one prepared statement.
 */
function sqlLimit(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad LIMIT ${n}`);
  return n;
}

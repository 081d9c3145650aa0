/**
 * The SQLite store's writes, on its write connection, inside a BEGIN IMMEDIATE transaction
 * (see sqlite-store.ts).
 */
import { checkStoredToken, tokenAfter } from "../../core/fencing.js";
import { idOrderKey } from "../../core/selection.js";
import { rowFromTask } from "./rows.js";
import { sqliteReads } from "./reads.js";
import type { Agent, NewEvent } from "../../core/task.js";
import type { StoreWriter } from "../store.js";
import type { Connection, Statement } from "./connection.js";
import type { TaskRow } from "./rows.js";

/** The writer of one connection; `begin()` is called as each write transaction starts. */
export interface SqliteWriter {
  tx: StoreWriter;
  begin(): void;
}

export function sqliteWriter(conn: Connection): SqliteWriter {
  /** The last lease token handed out in the current write transaction. */
  let lastToken = 0;
  /** One prepared UPDATE per set of changed columns (a handful: claim, complete, fail…). */
  const updateStatement = (columns: readonly string[]): Statement =>
    conn.stmt(`UPDATE tasks SET ${columns.map((c) => `${c} = @${c}`).join(", ")} WHERE id = @id`);
  const tx: StoreWriter = {
    ...sqliteReads(conn),
    insertTask: async (task) => {
      conn.run(
        `INSERT INTO tasks (id, id_order, title, description, metadata, result, status, priority, priority_rank,
           needs, depends_on, assigned_to, lease_token, lease_expires_at, attempts, max_attempts,
           next_attempt_at, last_error, created_at, updated_at, created_by, version)
         VALUES (@id, @id_order, @title, @description, @metadata, @result, @status, @priority, @priority_rank,
           @needs, @depends_on, @assigned_to, @lease_token, @lease_expires_at, @attempts, @max_attempts,
           @next_attempt_at, @last_error, @created_at, @updated_at, @created_by, @version)`,
        { ...rowFromTask(task), id_order: idOrderKey(task.id) },
      );
      addDependencies(conn, task.id, task.dependsOn);
    },
    updateTask: async (after, before) => {
      // Only the columns that changed: SQLite rewrites the entries of every index that
      // names an assigned column, so a full-row UPDATE touched all six task indexes and
      // wrote ~23 WAL pages per claim+complete (94 KB); see updateStatement.
      const next = rowFromTask(after);
      const result = conn.guard(() => updateStatement(changedColumns(next, rowFromTask(before))).run(next));
      if (result.changes !== 1) throw new Error(`update of ${after.id} changed ${result.changes} rows`);
      if (next.depends_on !== rowFromTask(before).depends_on) {
        for (const dependency of before.dependsOn) conn.run(DELETE_DEPENDENCY, dependency, after.id);
        addDependencies(conn, after.id, after.dependsOn);
      }
    },
    appendEvent: async (event) => appendEvent(conn, event),
    advanceCounter: async (prefix, n) =>
      (
        conn.get<{ value: number }>(
          `INSERT INTO counters (prefix, value) VALUES (?, ?)
           ON CONFLICT (prefix) DO UPDATE SET value = value + excluded.value RETURNING value`,
          prefix,
          n,
        ) as { value: number }
      ).value,
    raiseCounter: async (prefix, atLeast) => {
      conn.run(
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
      const { seq, floor } = conn.get<{ seq: number; floor: number }>(
        `SELECT coalesce((SELECT max(seq) FROM events), 0) AS seq,
                (SELECT value FROM meta WHERE key = 'lease_token') AS floor`,
      ) as { seq: number; floor: number };
      const record = `the board ${conn.location} (its newest event seq, or meta's lease_token)`;
      const last = Math.max(checkStoredToken(seq, record), checkStoredToken(floor, record), lastToken);
      lastToken = tokenAfter(last, record);
      if (floor >= seq) conn.run("UPDATE meta SET value = ? WHERE key = 'lease_token'", lastToken);
      return lastToken;
    },
    putAgent: async (agent: Agent) => {
      conn.run(
        `INSERT INTO agents (id, capabilities, last_seen_at) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET capabilities = excluded.capabilities, last_seen_at = excluded.last_seen_at`,
        agent.id,
        JSON.stringify(agent.capabilities),
        agent.lastSeenAt,
      );
    },
    deleteAgent: async (id: string) => {
      conn.run("DELETE FROM agents WHERE id = ?", id);
    },
    rotateEvents: async (archive) => {
      conn.run(
        `INSERT INTO archives (from_seq, to_seq, count, file, first_at, last_at, sha256, bytes, rotated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        archive.fromSeq,
        archive.toSeq,
        archive.count,
        archive.file,
        archive.firstAt,
        archive.lastAt,
        archive.sha256,
        archive.bytes,
        archive.rotatedAt,
      );
      return conn.run("DELETE FROM events WHERE seq BETWEEN ? AND ?", archive.fromSeq, archive.toSeq).changes;
    },
  };
  return {
    tx,
    begin: () => {
      lastToken = 0;
    },
  };
}

function appendEvent(conn: Connection, event: NewEvent): void {
  conn.run(
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

/** Columns whose value differs; updated_at always, so an update always names one column. */
function changedColumns(next: TaskRow, prev: TaskRow): string[] {
  const columns = (Object.keys(next) as (keyof TaskRow)[]).filter(
    (c) => c !== "id" && c !== "updated_at" && next[c] !== prev[c],
  );
  columns.push("updated_at");
  return columns;
}

/**
 * task_dependencies (migration 7) holds one row per edge, keyed by the task depended on, so a
 * task's dependents are an index range rather than a scan of every depends_on list.
 */
const INSERT_DEPENDENCY = "INSERT OR IGNORE INTO task_dependencies (depends_on, task_id) VALUES (?, ?)";
const DELETE_DEPENDENCY = "DELETE FROM task_dependencies WHERE depends_on = ? AND task_id = ?";

function addDependencies(conn: Connection, taskId: string, dependsOn: readonly string[]): void {
  for (const dependency of dependsOn) conn.run(INSERT_DEPENDENCY, dependency, taskId);
}

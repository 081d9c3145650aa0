/**
 * Bench support: fills a SQLite board made by baton (its own schema) with many tasks and
 * events through direct SQL in one transaction, not through the board: a million claims would
 * take minutes. The rows are ones the board itself writes (ids from the counter, id_order,
 * leases on held tasks), so `baton health` passes on the result.
 */
import Database from "better-sqlite3";
import { openBoard } from "../../src/index.js";
import { idOrderKey } from "../../src/core/selection.js";
import { PRIORITY_RANK } from "../../src/core/task.js";
import type { Priority } from "../../src/core/task.js";

/** A realistic mix: mostly claim-path events, a few errors. */
const EVENT_TYPES = ["CREATED", "CLAIMED", "HEARTBEAT", "HEARTBEAT", "COMPLETED", "CLAIMED", "COMPLETED", "FAILED"];
const PRIORITIES: Priority[] = ["low", "medium", "medium", "high", "critical"];

export interface BulkBoard {
  tasks?: number;
  events: number;
  agents?: number;
  /** When the last event happened; the trail is spread back from it, one event every 10 ms. */
  lastEventAt?: number;
}

export async function fillBoard(path: string, board: BulkBoard): Promise<void> {
  await (await openBoard(`sqlite:${path}`)).close(); // the schema
  const db = new Database(path);
  const agents = board.agents ?? 16;
  const tasks = board.tasks ?? Math.ceil(board.events / 8);
  const last = board.lastEventAt ?? Date.parse("2026-01-01T00:00:00Z") + board.events * 10;
  const first = last - (board.events - 1) * 10;
  const insertTask = db.prepare(
    `INSERT INTO tasks (id, title, description, status, priority, priority_rank, assigned_to, lease_token,
       lease_expires_at, attempts, max_attempts, next_attempt_at, last_error, created_at, updated_at, id_order)
     VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, 3, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = db.prepare(
    "INSERT INTO events (at, type, task_id, agent_id, from_status, to_status, details, data) VALUES (?, ?, ?, ?, NULL, NULL, '', '{}')",
  );
  db.transaction(() => {
    const leaseEnd = new Date(last + 3_600_000).toISOString();
    for (let i = 1; i <= tasks; i++) {
      const id = `T-${i}`;
      const at = new Date(first + Math.floor(((i - 1) * (last - first)) / tasks)).toISOString();
      const priority = PRIORITIES[i % PRIORITIES.length] as Priority;
      // 80 % completed, then pending, a few held, failed (retry in an hour) and cancelled; none
      // dead, which `baton health` rightly reports as poison pills.
      const bucket = i % 100;
      const status = bucket < 80 ? "completed" : bucket < 95 ? "pending" : bucket < 97 ? "in_progress" : bucket < 99 ? "failed" : "cancelled";
      const held = status === "in_progress";
      insertTask.run(
        id,
        `Bench task ${i}: ${status}`,
        status,
        priority,
        PRIORITY_RANK[priority],
        held ? `agent-${i % agents}` : null,
        held ? i : null,
        held ? leaseEnd : null,
        status === "pending" ? 0 : 1,
        status === "failed" ? leaseEnd : null,
        status === "failed" ? "bench: failed once" : null,
        at,
        at,
        idOrderKey(id),
      );
    }
    db.prepare("INSERT INTO counters (prefix, value) VALUES ('T', ?) ON CONFLICT (prefix) DO UPDATE SET value = excluded.value").run(tasks);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'lease_token'").run(tasks);
    for (let i = 0; i < board.events; i++) {
      const type = EVENT_TYPES[i % EVENT_TYPES.length] as string;
      insertEvent.run(new Date(first + i * 10).toISOString(), type, `T-${(Math.floor(i / 8) % tasks) + 1}`, `agent-${i % agents}`);
    }
  })();
  db.close();
}

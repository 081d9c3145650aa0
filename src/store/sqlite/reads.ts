/**
 * The SQLite store's reads, on either of its connections: the read connection for
 * `store.read`, the write connection inside a transaction (see sqlite-store.ts).
 */
import { assertNever } from "../../core/exhaustive.js";
import { idOrderKey } from "../../core/selection.js";
import { TASK_STATUSES } from "../../core/task.js";
import { listTrail } from "../archived-events.js";
import { agentFromRow, eventFromRow, taskFromRow } from "./rows.js";
import { pendingInClaimOrder } from "./claim-walk.js";
import { archiveFromRow } from "../archive-rows.js";
import type { ArchiveRow } from "../archive-rows.js";
import type { BoardEvent, EventType, Task, TaskStatus } from "../../core/task.js";
import type { EventArchive, EventQuery, OutcomeBucket, StoreReader, TaskQuery } from "../store.js";
import type { Connection } from "./connection.js";
import type { AgentRow, EventRow, TaskRow } from "./rows.js";

export function sqliteReads(conn: Connection): StoreReader {
  const tasks = (sql: string, ...params: unknown[]): Task[] => conn.all<TaskRow>(sql, ...params).map(taskFromRow);
  return {
    getTask: async (id) => {
      const row = conn.get<TaskRow>("SELECT * FROM tasks WHERE id = ?", id);
      return row && taskFromRow(row);
    },
    getTasks: async (ids) => {
      if (ids.length === 0) return [];
      return tasks("SELECT * FROM tasks WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(ids));
    },
    listTasks: async (query) => listTasks(conn, query),
    countTasks: async (query) => countTasks(conn, query),
    countByStatus: async () => {
      const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
      for (const row of conn.all<{ status: TaskStatus; n: number }>(COUNT_BY_STATUS)) counts[row.status] += row.n;
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
    pendingInClaimOrder: async (walk) => pendingInClaimOrder(conn, walk),
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
    listEvents: async (query) => listTrail(query, listArchives(conn), async (q) => listEvents(conn, q)),
    listArchives: async () => listArchives(conn),
    countOutcomes: async (since, bucketMs) => conn.all<OutcomeBucket>(COUNT_OUTCOMES, since, bucketMs, since),
    getAgent: async (id) => {
      const row = conn.get<AgentRow>("SELECT * FROM agents WHERE id = ?", id);
      return row && agentFromRow(row);
    },
    listAgents: async () => conn.all<AgentRow>("SELECT * FROM agents ORDER BY id").map(agentFromRow),
    counters: async () =>
      Object.fromEntries(
        conn.all<{ prefix: string; value: number }>("SELECT prefix, value FROM counters ORDER BY prefix").map(
          (r) => [r.prefix, r.value],
        ),
      ),
  };
}

function listTasks(conn: Connection, query: TaskQuery): Task[] {
  const { from, params } = taskSelection(query);
  return conn.all<TaskRow>(`SELECT * ${from} ORDER BY created_at, id_order LIMIT ?`, ...params, query.limit ?? -1).map(taskFromRow);
}

function countTasks(conn: Connection, query: TaskQuery): number {
  const { from, params } = taskSelection(query);
  return (conn.get<{ n: number }>(`SELECT count(*) AS n ${from}`, ...params) as { n: number }).n;
}

/** FROM … WHERE … of the tasks a query selects, with its parameters. */
function taskSelection(query: TaskQuery): { from: string; params: unknown[] } {
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
  if (query.priority !== undefined) {
    where.push("priority = ?");
    params.push(query.priority);
  }
  if (query.dependsOn !== undefined) {
    // A range of task_dependencies' key, then each task by id (migration 7).
    where.push("id IN (SELECT task_id FROM task_dependencies WHERE depends_on = ?)");
    params.push(query.dependsOn);
  }
  if (query.after !== undefined) {
    // A row value comparison SQLite walks tasks_created (or a status index) from.
    where.push("(created_at, id_order) > (?, ?)");
    params.push(query.after.createdAt, idOrderKey(query.after.id));
  }
  const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
  // Some statuses: the union of their partial indexes, sorted (few rows for open statuses,
  // and one ordered index walk for a finished one). All statuses: the creation-order index.
  const source = query.statuses && query.statuses.length > 0 ? `(${tasksOfStatuses(query.statuses)})` : "tasks";
  return { from: `FROM ${source} ${filter}`, params };
}

function listArchives(conn: Connection): EventArchive[] {
  return conn.all<ArchiveRow>("SELECT * FROM archives ORDER BY from_seq").map(archiveFromRow);
}

function listEvents(conn: Connection, query: EventQuery): BoardEvent[] {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown): void => {
    where.push(clause);
    params.push(value);
  };
  if (query.taskId !== undefined) add("task_id = ?", query.taskId);
  if (query.agentId !== undefined) add("agent_id = ?", query.agentId);
  if (query.since !== undefined) add("at >= ?", query.since);
  if (query.until !== undefined) add("at < ?", query.until);
  if (query.afterSeq !== undefined) add("seq > ?", query.afterSeq);
  if (query.beforeSeq !== undefined) add("seq < ?", query.beforeSeq);
  const types = query.types === undefined ? undefined : [...new Set(query.types)];
  if (types?.length === 0) return [];
  const order = query.recent !== undefined ? "DESC" : "";
  const limit = query.recent ?? query.limit ?? -1;
  let rows: EventRow[];
  if (types === undefined || types.length === 1 || query.taskId !== undefined) {
    // One task's events are few (events_task); one type walks events_type in seq order.
    if (types?.length === 1) add(typeCondition(types[0] as EventType), types[0]);
    else if (types) add("type IN (SELECT value FROM json_each(?))", JSON.stringify(types));
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    rows = conn.all<EventRow>(`SELECT * FROM events ${filter} ORDER BY seq ${order} LIMIT ?`, ...params, limit);
  } else {
    // Several types: one ordered walk per type, merged. A single `type IN (…)` would gather
    // every event of those types and sort them all before the LIMIT.
    const arm = (type: EventType): string =>
      `SELECT * FROM (SELECT * FROM events WHERE ${[typeCondition(type), ...where].join(" AND ")} ORDER BY seq ${order} LIMIT ?)`;
    const sql = `${types.map(arm).join(" UNION ALL ")} ORDER BY seq ${order} LIMIT ?`;
    rows = conn.all<EventRow>(sql, ...types.flatMap((t) => [t, ...params, limit]), limit);
  }
  if (query.recent !== undefined) rows.reverse();
  return rows.map(eventFromRow);
}

/** The types events_type leaves out (migration 5); its WHERE term, exactly as written there. */
const UNINDEXED_TYPES: readonly EventType[] = ["CLAIMED", "COMPLETED", "HEARTBEAT"];
const EVENTS_TYPE_CONDITION = "type NOT IN ('CLAIMED', 'COMPLETED', 'HEARTBEAT')";

/**
 * `type = ?`, plus events_type's own condition for the types it holds: SQLite uses a partial
 * index only when the query contains its WHERE term.
 */
function typeCondition(type: EventType): string {
  return UNINDEXED_TYPES.includes(type) ? "type = ?" : `type = ? AND ${EVENTS_TYPE_CONDITION}`;
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
/**
 * Completions and failures per bucket: a range of events_outcomes (migration 6; the query
 * repeats its WHERE term so SQLite may use the partial index), grouped by the bucket
 * computed from each event's time in milliseconds (integer division: at ≥ since).
 */
const COUNT_OUTCOMES = `SELECT (CAST(round(unixepoch(at, 'subsec') * 1000) AS INTEGER) - CAST(round(unixepoch(?, 'subsec') * 1000) AS INTEGER)) / CAST(? AS INTEGER) AS bucket,
    sum(type = 'COMPLETED') AS completed, sum(type = 'FAILED') AS failed
  FROM events INDEXED BY events_outcomes WHERE type IN ('COMPLETED', 'FAILED') AND at >= ?
  GROUP BY bucket ORDER BY bucket`;

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

/**
 * A LIMIT written into the SQL rather than bound: SQLite (built with STAT4) lets a bound LIMIT
 * steer the plan, so every bind of it re-prepares the statement: 35 µs per query instead of
 * 1 µs, four times per claim. The few limits the board uses each get one prepared statement.
 */
function sqlLimit(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad LIMIT ${n}`);
  return n;
}

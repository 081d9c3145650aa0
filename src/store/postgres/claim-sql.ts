/**
 * SQL and orderings shared by a transaction's opening and its reads: candidate order, what a
 * claim recovers, tasks by id. Statements are prepared with generic plans, planned once per
 * connection, often on a table never analyzed yet (a new board): each is written so that its
 * only sensible plan is the index walk it was designed for.
 */
import { compareIds } from "../../core/selection.js";
import { PRIORITY_RANK } from "../../core/task.js";
import { TASK_COLUMNS } from "./rows.js";
import { CLAIM_RECOVERY_BATCH } from "../store.js";
import type { Priority } from "../../core/task.js";
import type { TaskRow } from "./rows.js";

export const CLAIM_ORDER = "ORDER BY priority_rank, created_at, id_order";
/** The board's lazy recovery batch (see store.ts); another limit would just miss the prefetch. */
export const PREFETCH_RECOVERY = CLAIM_RECOVERY_BATCH;

/** The database's clock in epoch milliseconds (clock_timestamp: now() is frozen at BEGIN). */
export const CLOCK_MS = "floor(extract(epoch FROM clock_timestamp()) * 1000)::int8";

/**
 * The agent's row with its version, not locked: most claims and heartbeats do not rewrite it
 * (last seen under a second ago), and a lock is a write (the row's header, a WAL record). A
 * rewrite checks the version instead (BoardTx.putAgent).
 */
export const AGENT_ROW = "SELECT id, capabilities, last_seen_at, xmin::text AS row_version FROM baton_agents WHERE id = $1";

/** Which read a row of the opening answers (its `part` column); also claim order between candidates. */
export const Part = { expired: 0, due: 1, reserved: 2, open: 3, dependency: 4, named: 5 } as const;

/**
 * Expired leases and due retries at `nowSql`, locked SKIP LOCKED (a row another transaction
 * is recovering is left to it). Expiring a lease never makes a task a due retry, so retries
 * fetched with the leases are still right when the board asks for them next.
 */
export function recoverableSql(nowSql: string, limitSql: string): string {
  return `WITH expired AS (
      SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'in_progress' AND lease_expires_at <= ${nowSql}
      ORDER BY lease_expires_at, created_at, id_order LIMIT ${limitSql} FOR UPDATE SKIP LOCKED),
    due AS (
      SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'failed' AND next_attempt_at <= ${nowSql}
      ORDER BY next_attempt_at, created_at, id_order LIMIT ${limitSql} FOR UPDATE SKIP LOCKED)
    SELECT ${Part.expired} AS part, * FROM expired UNION ALL SELECT ${Part.due} AS part, * FROM due`;
}

/**
 * Tasks by id, `condition` and `lock` applied to each: one primary-key lookup per id, in id
 * order (the order rows are locked in: two lockers of overlapping sets never deadlock).
 * Measured: `WHERE id = ANY($1)` got a sequential scan in its generic plan while the table had
 * no statistics (0.2 ms at 2,000 tasks, 0.9 ms with the array from a subquery); this stays
 * 0.03 ms.
 */
export function tasksByIdSql(idsSql: string, condition = "", lock = ""): string {
  return `SELECT t.* FROM unnest(ARRAY(SELECT DISTINCT wanted COLLATE "C" FROM unnest(${idsSql}) AS wanted ORDER BY 1)) AS wanted(id)
    CROSS JOIN LATERAL (SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE baton_tasks.id = wanted.id ${condition} ${lock}) t`;
}

/**
 * What `claimCandidates(agent, 1, 0)` returns in a write transaction, with the same locks, as
 * CTEs: the best task reserved for the agent and the best open one, each FOR UPDATE SKIP
 * LOCKED (the page is the first of them); then the first one's dependencies, locked as
 * BoardTx.getTasks locks them: open ones FOR UPDATE, completed ones (which never change
 * again) FOR SHARE. A dependency that completes while this statement waits for its lock drops
 * out of both (the statement's snapshot still saw it open): BoardTx then reads them again.
 */
export function candidateCtes(agentSql: string): string {
  const dependencies = "ARRAY(SELECT jsonb_array_elements_text(depends_on) FROM page ORDER BY part LIMIT 1)";
  return `mine AS (
      SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to = ${agentSql}
      ${CLAIM_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED),
    head AS (
      SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to IS NULL
      ${CLAIM_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED),
    page AS (SELECT ${Part.reserved} AS part, * FROM mine UNION ALL SELECT ${Part.open} AS part, * FROM head),
    dependencies_open AS (${tasksByIdSql(dependencies, "AND status <> 'completed'", "FOR UPDATE")}),
    dependencies_done AS (${tasksByIdSql(dependencies, "AND status = 'completed'", "FOR SHARE")})`;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byClaimOrder(a: TaskRow & { part: number }, b: TaskRow & { part: number }): number {
  return (
    a.part - b.part ||
    PRIORITY_RANK[a.priority as Priority] - PRIORITY_RANK[b.priority as Priority] ||
    compareText(a.created_at, b.created_at) ||
    compareIds(a.id, b.id)
  );
}

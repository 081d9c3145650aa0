/** SQL and orderings shared by the claim path: candidate order and what a claim recovers. */
import { PRIORITY_RANK } from "../../core/task.js";
import { TASK_COLUMNS } from "./rows.js";
import type { Priority } from "../../core/task.js";
import type { TaskRow } from "./rows.js";

export const CLAIM_ORDER = "ORDER BY priority_rank, created_at, id";
/** The board's lazy recovery batch (LAZY_RECOVERY_BATCH in board.ts); another limit just misses the prefetch. */
export const PREFETCH_RECOVERY = 32;

/**
 * Expired leases and due retries at `nowSql`, locked SKIP LOCKED (a row another transaction
 * is recovering is left to it). Expiring a lease never makes a task a due retry, so retries
 * fetched with the leases are still right when the board asks for them next.
 */
export function recoverableSql(nowSql: string, limitSql: string): string {
  return `WITH expired AS (
      SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'in_progress' AND lease_expires_at <= ${nowSql}
      ORDER BY lease_expires_at, created_at, id LIMIT ${limitSql} FOR UPDATE SKIP LOCKED),
    due AS (
      SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'failed' AND next_attempt_at <= ${nowSql}
      ORDER BY next_attempt_at, created_at, id LIMIT ${limitSql} FOR UPDATE SKIP LOCKED)
    SELECT 0 AS part, * FROM expired UNION ALL SELECT 1 AS part, * FROM due`;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byClaimOrder(a: TaskRow & { part: number }, b: TaskRow & { part: number }): number {
  return (
    a.part - b.part ||
    PRIORITY_RANK[a.priority as Priority] - PRIORITY_RANK[b.priority as Priority] ||
    compareText(a.created_at, b.created_at) ||
    compareText(a.id, b.id)
  );
}

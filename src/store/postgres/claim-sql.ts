/** SQL and orderings shared by the claim path: candidate order, what a claim recovers, what it locks. */
import { PRIORITY_RANK } from "../../core/task.js";
import { TASK_COLUMNS } from "./rows.js";
import type { Priority } from "../../core/task.js";
import type { TaskRow } from "./rows.js";

export const CLAIM_ORDER = "ORDER BY priority_rank, created_at, id";
/** The board's lazy recovery batch (LAZY_RECOVERY_BATCH in board.ts); another limit just misses the prefetch. */
export const PREFETCH_RECOVERY = 32;

/** The database's clock in epoch milliseconds (clock_timestamp: now() is frozen at BEGIN). */
export const CLOCK_MS = "floor(extract(epoch FROM clock_timestamp()) * 1000)::int8";

/** The agent's row, locked: its heartbeat is rewritten by this transaction. */
export const AGENT_FOR_UPDATE = "SELECT id, capabilities, last_seen_at FROM baton_agents WHERE id = $1 FOR UPDATE";

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

/**
 * What `claimCandidates(agent, 1, 0)` returns in a write transaction, with the same locks: the
 * best task reserved for the agent and the best open one, each FOR UPDATE SKIP LOCKED (the
 * page is the first of them). It notes the page's dependencies in a transaction-local setting
 * for the two statements below, which are what the board's getTasks(dependsOn) asks next.
 */
export const CANDIDATE_HEAD_SQL = `WITH mine AS (
    SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to = $1
    ${CLAIM_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED),
  head AS (
    SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to IS NULL
    ${CLAIM_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED),
  page AS (SELECT 0 AS part, * FROM mine UNION ALL SELECT 1 AS part, * FROM head)
  SELECT page.*, set_config('baton.claim_deps', (SELECT depends_on::text FROM page ORDER BY part LIMIT 1), true) AS noted
  FROM page`;

const NOTED_DEPENDENCIES =
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(nullif(current_setting('baton.claim_deps', true), ''), '[]')::jsonb))";

/**
 * The noted dependencies, locked as BoardTx.getTasks locks them: open ones FOR UPDATE in id
 * order, completed ones (which never change again) FOR SHARE. Two statements, so one that
 * completes while the first waits for its lock is seen by the second.
 */
export const CANDIDATE_DEPENDENCIES_OPEN_SQL = `SELECT ${TASK_COLUMNS} FROM baton_tasks
  WHERE id = ANY(${NOTED_DEPENDENCIES}) AND status <> 'completed' ORDER BY id FOR UPDATE`;
export const CANDIDATE_DEPENDENCIES_DONE_SQL = `SELECT ${TASK_COLUMNS} FROM baton_tasks
  WHERE id = ANY(${NOTED_DEPENDENCIES}) AND status = 'completed' ORDER BY id FOR SHARE`;

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

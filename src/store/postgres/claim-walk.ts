/**
 * Store.pendingInClaimOrder on PostgreSQL: the ready list's walk from a keyset position, in one
 * statement. Each arm is an ordered range of a claim index of schema 2 (row comparisons are
 * index conditions of a btree), so it reads about `limit` entries and rows:
 *   reserved for the agent   baton_tasks_reserved (assigned_to = $, key > $)
 *   unreserved               baton_tasks_claimable (key > $)
 *   reserved, any agent      a bitmap scan of the assigned tasks only (baton_tasks_reserved on
 *                            a fresh board, baton_tasks_assignee once analyzed), sorted: the
 *                            no-agent list only; reservations are few (src/store/sqlite/claim-walk.ts)
 * test/postgres/claim-walk-plan.test.ts checks the plans with EXPLAIN, fresh and analyzed: no
 * sequential scan. Unnamed statements, so each is planned for its own key and limit.
 */
import { TASK_COLUMNS } from "./rows.js";
import type { ClaimWalk } from "../store.js";

const COLUMNS = `${TASK_COLUMNS}, priority_rank AS walk_rank, id_order AS walk_order`;
const ORDER = "ORDER BY priority_rank, created_at, id_order";
/** Below every task's key (ranks start at 0): the walk from the start. */
const START = [-1, "-infinity", ""] as const;

export function claimWalkSql(walk: ClaimWalk): { text: string; values: unknown[] } {
  const values: unknown[] = [walk.limit];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const keyAfter = (key: readonly [number, string, string]): string =>
    `(priority_rank, created_at, id_order) > (${param(key[0])}::int, ${param(key[1])}::timestamptz, baton_id_order(${param(key[2])}) COLLATE "C")`;
  const { agentId, after } = walk;
  const fromKey = after && ([after.rank, after.createdAt, after.id] as const);
  // A key of the reserved part (0) comes before every key of the rest: the rest from the start.
  const rest = keyAfter(after?.reserved === 1 && fromKey ? fromKey : START);
  const arm = (part: number, who: string, key: string): string =>
    `(SELECT ${part} AS walk_part, ${COLUMNS} FROM baton_tasks WHERE status = 'pending' AND ${who} AND ${key} ${ORDER} LIMIT $1)`;
  const arms =
    agentId === undefined
      ? [arm(1, "assigned_to IS NULL", rest), arm(1, "assigned_to IS NOT NULL", rest)]
      : [
          ...(after?.reserved === 1 ? [] : [arm(0, `assigned_to = ${param(agentId)}`, keyAfter(fromKey ?? START))]),
          arm(1, "assigned_to IS NULL", rest),
        ];
  return {
    text: `SELECT * FROM (${arms.join(" UNION ALL ")}) AS walk ORDER BY walk_part, walk_rank, created_at, walk_order LIMIT $1`,
    values,
  };
}

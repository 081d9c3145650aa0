/**
 * Store.pendingInClaimOrder on SQLite: the ready list's walk through the claim indexes of
 * migration 2, from a keyset position. What EXPLAIN QUERY PLAN shows for each statement
 * (test/sqlite/claim-walk-plan.test.ts checks them):
 *   reserved for the agent   SEARCH tasks USING INDEX tasks_reserved (assigned_to=? AND (priority_rank,created_at,id_order)>(?,?,?))
 *   unreserved               SEARCH tasks USING INDEX tasks_claimable ((priority_rank,created_at,id_order)>(?,?,?))
 *   reserved, any agent      SEARCH tasks USING COVERING INDEX tasks_reserved (assigned_to>?)
 *                            + USE TEMP B-TREE FOR ORDER BY, then each row by rowid
 * The first two read about `limit` index entries and rows. The third (the no-agent list only)
 * sorts the keys of every reserved pending task, reading only the index, then the rows of the
 * `limit` first: reservations are few (people's `assign`, `balance`), and an index of them in
 * claim order would be a schema version every board must be upgraded to with `baton init`.
 * LIMIT is bound, not written into the SQL as reads.ts does for claims: a page's limit is any
 * number up to 10,001, each would be a statement of its own, and a ready page runs once.
 */
import { compareClaimKeys, claimKeyOf, idOrderKey } from "../../core/selection.js";
import { taskFromRow } from "./rows.js";
import type { ClaimKey } from "../../core/selection.js";
import type { Task } from "../../core/task.js";
import type { ClaimWalk } from "../store.js";
import type { Connection } from "./connection.js";
import type { TaskRow } from "./rows.js";

const KEY = "(priority_rank, created_at, id_order) > (?, ?, ?)";

export const RESERVED_FOR = `SELECT * FROM tasks INDEXED BY tasks_reserved
  WHERE status = 'pending' AND assigned_to = ? AND ${KEY} ORDER BY priority_rank, created_at, id_order LIMIT ?`;

export const UNRESERVED = `SELECT * FROM tasks INDEXED BY tasks_claimable
  WHERE status = 'pending' AND assigned_to IS NULL AND ${KEY} ORDER BY priority_rank, created_at, id_order LIMIT ?`;

export const RESERVED_ANY = `SELECT * FROM tasks WHERE rowid IN (SELECT rowid FROM tasks INDEXED BY tasks_reserved
  WHERE status = 'pending' AND assigned_to IS NOT NULL AND ${KEY} ORDER BY priority_rank, created_at, id_order LIMIT ?)`;

/** Below every task's key (ranks start at 0): the walk from the start. */
const START: readonly [number, string, string] = [-1, "", ""];

export function pendingInClaimOrder(conn: Connection, walk: ClaimWalk): Task[] {
  const tasks = (sql: string, ...params: unknown[]): Task[] => conn.all<TaskRow>(sql, ...params).map(taskFromRow);
  const { agentId, after, limit } = walk;
  // A key of the reserved part (0) comes before every key of the rest: the rest from the start.
  const rest = after?.reserved === 1 ? keyParams(after) : START;
  if (agentId === undefined) {
    const open = tasks(UNRESERVED, ...rest, limit);
    const reserved = tasks(RESERVED_ANY, ...rest, limit);
    if (reserved.length === 0) return open;
    const key = (t: Task): ClaimKey => claimKeyOf(t, undefined);
    return [...open, ...reserved].sort((a, b) => compareClaimKeys(key(a), key(b))).slice(0, limit);
  }
  const mine = after?.reserved === 1 ? [] : tasks(RESERVED_FOR, agentId, ...(after ? keyParams(after) : START), limit);
  if (mine.length === limit) return mine;
  return [...mine, ...tasks(UNRESERVED, ...rest, limit - mine.length)];
}

function keyParams(key: ClaimKey): [number, string, string] {
  return [key.rank, key.createdAt, idOrderKey(key.id)];
}

/**
 * Which task an agent may take, and in what order: tasks reserved for this agent first, then by
 * priority, then oldest first; a task is ready when it is pending and every dependency is
 * completed; an agent must have every capability the task needs.
 */
import { holderName } from "./fencing.js";
import { BatonError, ErrorCode } from "./errors.js";
import { parseNumberedId } from "./ids.js";
import { PRIORITY_RANK } from "./task.js";
import type { Task, TaskStatus } from "./task.js";

/** Status of each dependency id, as read from the store (undefined: no such task). */
export type DependencyStatuses = ReadonlyMap<string, TaskStatus | undefined>;

export function unfinishedDependencies(
  task: Task,
  statuses: DependencyStatuses,
): { id: string; status: TaskStatus | "missing" }[] {
  return task.dependsOn
    .map((id) => ({ id, status: statuses.get(id) ?? ("missing" as const) }))
    .filter((dep) => dep.status !== "completed");
}

export function missingCapabilities(task: Task, capabilities: readonly string[]): string[] {
  return task.needs.filter((need) => !capabilities.includes(need));
}

/** Whether `agentId` with `capabilities` may take this pending task now (dependencies aside). */
export function mayTake(task: Task, agentId: string, capabilities: readonly string[]): boolean {
  return (
    task.status === "pending" &&
    (task.assignedTo === null || task.assignedTo === agentId) &&
    missingCapabilities(task, capabilities).length === 0
  );
}

/** Claim order: reserved for this agent, then priority, then oldest, then id for a total order. */
export function compareForClaim(agentId: string): (a: Task, b: Task) => number {
  return (a, b) => {
    const reservedA = a.assignedTo === agentId ? 0 : 1;
    const reservedB = b.assignedTo === agentId ? 0 : 1;
    return (
      reservedA - reservedB ||
      PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
      (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0) ||
      compareIds(a.id, b.id)
    );
  };
}

/**
 * A task's place in claim order for one agent (or for no agent: every task unreserved, 1), the
 * key of the ready list's cursor (board/paging.ts) and of Store.pendingInClaimOrder.
 */
export interface ClaimKey {
  reserved: 0 | 1;
  rank: number;
  createdAt: string;
  id: string;
}

export const claimKeyOf = (task: Task, agentId: string | undefined): ClaimKey => ({
  reserved: agentId !== undefined && task.assignedTo === agentId ? 0 : 1,
  rank: PRIORITY_RANK[task.priority],
  createdAt: task.createdAt,
  id: task.id,
});

/** Claim-order comparison of two keys, the same order as compareForClaim. */
export function compareClaimKeys(a: ClaimKey, b: ClaimKey): number {
  return (
    a.reserved - b.reserved ||
    a.rank - b.rank ||
    (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0) ||
    compareIds(a.id, b.id)
  );
}

/** Ids in natural order, so tasks created in the same millisecond go T-9 before T-10. */
export function compareIds(a: string, b: string): number {
  const ka = idOrderKey(a);
  const kb = idOrderKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * A string whose plain (binary) order is the ids' natural order: PREFIX-N with N zero-padded
 * to 15 digits (then the id itself, after a space no id contains, so T-7 and T-007 differ),
 * any other id as it is. Stores keep it beside the id, so their indexes walk tasks in the
 * same order as the core sorts them.
 */
export function idOrderKey(id: string): string {
  let key = orderKeys.get(id);
  if (key === undefined) {
    const numbered = parseNumberedId(id);
    key = numbered ? `${numbered.prefix}-${String(numbered.n).padStart(15, "0")} ${id}` : id;
    // Sorting a board's open tasks compares the same ids again and again (the JSON store
    // sorts 1,000 same-millisecond tasks per claim); a bounded memo keeps that a lookup.
    if (orderKeys.size >= ORDER_KEY_MEMO) orderKeys.clear();
    orderKeys.set(id, key);
  }
  return key;
}

const ORDER_KEY_MEMO = 100_000;
const orderKeys = new Map<string, string>();

/**
 * Why this agent may not claim this task by id, or null if it may. The reasons are the
 * precise ones of seed 000's atomic_assign_task, so an agent knows what to do next.
 */
export function claimRefusal(
  task: Task,
  agentId: string,
  capabilities: readonly string[],
  statuses: DependencyStatuses,
): BatonError | null {
  const facts = { taskId: task.id, status: task.status, assignedTo: task.assignedTo };
  switch (task.status) {
    case "in_progress":
      return new BatonError(
        ErrorCode.CONFLICT,
        task.assignedTo === agentId
          ? `${task.id} is already held by you (${agentId}, token ${task.leaseToken}); heartbeat or finish it`
          : `${task.id} is already ${holderName(task)}`,
        { ...facts, reason: "held" },
      );
    case "completed":
    case "cancelled":
    case "dead":
      return new BatonError(
        ErrorCode.CONFLICT,
        `${task.id} is ${task.status}${task.status === "dead" ? " (retries exhausted; `baton revive` it first)" : ""} and cannot be claimed`,
        { ...facts, reason: "finished" },
      );
    case "failed":
      return new BatonError(
        ErrorCode.NOT_READY,
        `${task.id} is not ready: it failed and its retry is due at ${task.nextAttemptAt}`,
        { ...facts, reason: "retry_wait", nextAttemptAt: task.nextAttemptAt },
      );
    case "pending":
      break;
  }
  const open = unfinishedDependencies(task, statuses);
  if (open.length > 0) {
    return new BatonError(
      ErrorCode.NOT_READY,
      `${task.id} is not ready: waiting for ${open.map((d) => `${d.id} (${d.status.replace("_", " ")})`).join(", ")}`,
      { ...facts, reason: "dependencies", unfinished: open },
    );
  }
  if (task.assignedTo !== null && task.assignedTo !== agentId) {
    return new BatonError(
      ErrorCode.CONFLICT,
      `${task.id} is reserved for ${task.assignedTo}`,
      { ...facts, reason: "reserved" },
    );
  }
  const missing = missingCapabilities(task, capabilities);
  if (missing.length > 0) {
    return new BatonError(
      ErrorCode.CONFLICT,
      `${agentId} lacks capability ${missing.join(", ")} needed by ${task.id} (claim with --needs ${task.needs.join(",")})`,
      { ...facts, reason: "capability", missing },
    );
  }
  return null;
}

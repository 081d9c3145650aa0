/**
 * Fencing: a call that ends or extends a lease must present the current lease token (or be
 * the holder) while the lease is live. This is what stops an agent that stalled, lost its
 * lease and woke up again from overwriting the work of the agent that took over.
 */
import { BatonError, ErrorCode } from "./errors.js";
import { fromIso } from "./time.js";
import type { Task } from "./task.js";
import type { Credential } from "./validation.js";

export function checkHolder(task: Task, credential: Credential, nowMs: number): void {
  const live = task.status === "in_progress" && task.leaseExpiresAt !== null;
  if (!live) {
    if (credential.token !== undefined || task.leaseToken !== null) {
      throw leaseLost(task, `lease lost: ${task.id} is ${whereNow(task)}`);
    }
    throw new BatonError(
      ErrorCode.CONFLICT,
      task.status === "in_progress"
        ? `${task.id} is in progress without a lease (${holderName(task)}); only its holder can finish it`
        : `${task.id} is not in progress (it is ${task.status.replace("_", " ")}); claim it first`,
      { taskId: task.id, status: task.status },
    );
  }
  if (credential.token !== undefined && credential.token !== task.leaseToken) {
    throw leaseLost(
      task,
      `lease lost: ${task.id} is now ${holderName(task)}` +
        `${task.leaseToken === null ? " (claimed by hand, without a token)" : ` (token ${task.leaseToken})`}; your token ${credential.token} is stale`,
    );
  }
  if (credential.token === undefined && credential.agent !== task.assignedTo) {
    throw new BatonError(
      ErrorCode.CONFLICT,
      `${task.id} is ${holderName(task)}, not by ${credential.agent}`,
      { taskId: task.id, assignedTo: task.assignedTo },
    );
  }
  if (nowMs >= fromIso(task.leaseExpiresAt as string)) {
    throw leaseLost(
      task,
      `lease lost: the lease on ${task.id} expired at ${task.leaseExpiresAt}; claim it again`,
    );
  }
}

/** "held by A", or who holds it when nobody recorded an id (a hand agent without assigned_to). */
export function holderName(task: Task): string {
  return task.assignedTo === null ? "held by an agent that did not record its id (assigned_to is empty)" : `held by ${task.assignedTo}`;
}

function whereNow(task: Task): string {
  switch (task.status) {
    case "in_progress":
      return `now ${holderName(task)}`;
    case "pending":
      return "pending again (the lease expired or was released)";
    case "completed":
      return `already completed by ${task.assignedTo ?? "another agent"}`;
    default:
      return `now ${task.status.replace("_", " ")}`;
  }
}

function leaseLost(task: Task, message: string): BatonError {
  return new BatonError(ErrorCode.LEASE_LOST, message, {
    taskId: task.id,
    status: task.status,
    assignedTo: task.assignedTo,
    leaseToken: task.leaseToken,
  });
}

/**
 * Lease tokens are exact: safe integers (at most 2^53 − 1), strictly rising. Beyond that range
 * a float's `+ 1` gives the same number back (2^53 + 1 === 2^53), so two claims would share a
 * token and fencing would let a stale holder through. A stored token outside the range (a hand
 * edit) is a corrupt store, named by `record`, never arithmetic.
 */
export function checkStoredToken(value: unknown, record: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  throw new BatonError(
    ErrorCode.CORRUPT_STORE,
    `${record} holds the lease token ${String(value)}, which is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}; ` +
      "fencing tokens must be exact: restore the board from a backup, or set that token back by hand",
    { record, token: String(value) },
  );
}

/** The token after `previous` (itself checked), refusing to leave the exact range. */
export function tokenAfter(previous: number, record: string): number {
  checkStoredToken(previous, record);
  if (previous >= Number.MAX_SAFE_INTEGER) {
    throw new BatonError(
      ErrorCode.CORRUPT_STORE,
      `${record} is at the last exact lease token (${previous}); no further token can be handed out without repeating one`,
      { record, token: String(previous) },
    );
  }
  return previous + 1;
}

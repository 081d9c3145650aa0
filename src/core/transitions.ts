/**
 * The task state machine. Every change to a task goes through `applyTransition`, which knows
 * from which statuses each transition may start and what it sets; the `never` check makes a
 * new transition kind a compile error until it is handled here.
 */
import { BatonError, ErrorCode } from "./errors.js";
import { assertNever, definedFields } from "./exhaustive.js";
import { toIso } from "./time.js";
import type { EventType, Task, TaskStatus } from "./task.js";
import type { TaskPatch } from "./validation.js";

export type Transition =
  | { kind: "claim"; agentId: string; leaseToken: number; leaseSeconds: number }
  | {
      kind: "heartbeat";
      leaseSeconds: number;
      note?: string | undefined;
      /** The lease never runs past this (ms): the policy's timeoutSeconds from the claim. */
      notAfterMs?: number | undefined;
    }
  | { kind: "complete"; result: string | null }
  | { kind: "fail"; error: string; retryDelayMs: number }
  /** `by`: who released it, when not its holder (a token passed on, or a person taking it back). */
  | { kind: "release"; reason?: string | undefined; by?: string | null | undefined }
  /** `agentUnseenSince`: recovered because its holder was declared dead, its lease still running. */
  | { kind: "expire"; agentUnseenSince?: string | undefined }
  | { kind: "promote" }
  | { kind: "cancel"; reason?: string | undefined }
  | { kind: "assign"; agentId: string | null }
  | { kind: "update"; patch: TaskPatch }
  | { kind: "revive" };

export type TransitionKind = Transition["kind"];

/** From which statuses each transition may start. */
export const ALLOWED_FROM: Record<TransitionKind, readonly TaskStatus[]> = {
  claim: ["pending"],
  heartbeat: ["in_progress"],
  complete: ["in_progress"],
  fail: ["in_progress"],
  release: ["in_progress"],
  expire: ["in_progress"],
  promote: ["failed"],
  cancel: ["pending", "in_progress", "failed", "dead"],
  assign: ["pending", "failed"],
  update: ["pending", "in_progress", "failed", "dead", "completed", "cancelled"],
  revive: ["failed", "dead", "cancelled"],
};

export interface TransitionOutcome {
  task: Task;
  eventType: EventType;
  details: string;
}

export function applyTransition(task: Task, transition: Transition, nowMs: number): TransitionOutcome {
  if (!ALLOWED_FROM[transition.kind].includes(task.status)) {
    throw new BatonError(
      ErrorCode.CONFLICT,
      `cannot ${transition.kind} ${task.id}: it is ${task.status.replace("_", " ")}` +
        (task.assignedTo && task.status === "in_progress" ? ` (held by ${task.assignedTo})` : ""),
      { taskId: task.id, status: task.status, assignedTo: task.assignedTo },
    );
  }
  const now = toIso(nowMs);
  const base: Task = { ...task, updatedAt: now, version: task.version + 1 };
  switch (transition.kind) {
    case "claim":
      return {
        task: {
          ...base,
          status: "in_progress",
          assignedTo: transition.agentId,
          leaseToken: transition.leaseToken,
          leaseExpiresAt: toIso(nowMs + transition.leaseSeconds * 1000),
          nextAttemptAt: null,
        },
        eventType: "CLAIMED",
        details: `claimed by ${transition.agentId} (lease token ${transition.leaseToken}, attempt ${task.attempts + 1}/${task.maxAttempts})`,
      };
    case "heartbeat": {
      // The note is baton's, so it lives on the audit trail (this HEARTBEAT event), never in
      // the user's metadata: a user's own "checkpoint" key was overwritten by it.
      const wanted = nowMs + transition.leaseSeconds * 1000;
      const capped = transition.notAfterMs !== undefined && transition.notAfterMs < wanted;
      const until = capped ? (transition.notAfterMs as number) : wanted;
      return {
        task: { ...base, leaseExpiresAt: toIso(until) },
        eventType: "HEARTBEAT",
        details:
          (transition.note ? `checkpoint: ${transition.note}` : "lease extended") +
          (capped ? ` (only to ${toIso(until)}: the board's timeoutSeconds since the claim)` : ""),
      };
    }
    case "complete":
      return {
        task: { ...base, status: "completed", result: transition.result, leaseExpiresAt: null },
        eventType: "COMPLETED",
        details: `completed by ${task.assignedTo ?? "unknown"}`,
      };
    case "fail": {
      const attempts = task.attempts + 1;
      if (attempts >= task.maxAttempts) {
        return {
          task: deadTask(base, attempts, transition.error),
          eventType: "POISON_PILL",
          details: `failed ${attempts}/${task.maxAttempts} times, needs a person: ${transition.error}`,
        };
      }
      const nextAttemptAt = toIso(nowMs + transition.retryDelayMs);
      return {
        task: {
          ...base,
          status: "failed",
          attempts,
          lastError: transition.error,
          assignedTo: null,
          leaseExpiresAt: null,
          nextAttemptAt,
        },
        eventType: "FAILED",
        details: `attempt ${attempts}/${task.maxAttempts} failed: ${transition.error}; retry at ${nextAttemptAt}`,
      };
    }
    case "release":
      return {
        task: { ...base, status: "pending", assignedTo: null, leaseExpiresAt: null },
        eventType: "RELEASED",
        details: `${releasedBy(task.assignedTo, transition.by)}${transition.reason ? `: ${transition.reason}` : ""}`,
      };
    case "expire": {
      const attempts = task.attempts + 1;
      const holder = `${task.assignedTo ?? "its holder"} (token ${task.leaseToken})`;
      const error =
        transition.agentUnseenSince === undefined
          ? `lease expired: ${holder} stopped heartbeating`
          : `agent dead: ${holder} unseen since ${transition.agentUnseenSince}, before its lease ran out`;
      if (attempts >= task.maxAttempts) {
        return {
          task: deadTask(base, attempts, error),
          eventType: "POISON_PILL",
          details: `${error}; that was attempt ${attempts}/${task.maxAttempts}, needs a person`,
        };
      }
      return {
        task: { ...base, status: "pending", attempts, lastError: error, assignedTo: null, leaseExpiresAt: null },
        eventType: "TIMEOUT",
        details: `${error}; pending again (attempt ${attempts}/${task.maxAttempts} used)`,
      };
    }
    case "promote":
      return {
        task: { ...base, status: "pending", nextAttemptAt: null },
        eventType: "RETRY_SCHEDULED",
        details: `retry ${task.attempts + 1}/${task.maxAttempts} is due: pending again`,
      };
    case "cancel":
      return {
        task: { ...base, status: "cancelled", assignedTo: null, leaseExpiresAt: null, nextAttemptAt: null },
        eventType: "CANCELLED",
        details: transition.reason ? `cancelled: ${transition.reason}` : "cancelled",
      };
    case "assign":
      return {
        task: { ...base, assignedTo: transition.agentId },
        eventType: "ASSIGNED",
        details: transition.agentId ? `reserved for ${transition.agentId}` : "reservation removed",
      };
    case "update":
      return {
        task: { ...base, ...definedFields(transition.patch) },
        eventType: "UPDATED",
        details: `updated ${Object.keys(definedFields(transition.patch)).join(", ")}`,
      };
    case "revive":
      return {
        task: { ...base, status: "pending", attempts: 0, nextAttemptAt: null, assignedTo: null },
        eventType: "REVIVED",
        details: `revived from ${task.status}: pending again with a fresh set of ${task.maxAttempts} attempts`,
      };
    default:
      return assertNever(transition);
  }
}

function releasedBy(holder: string | null, by: string | null | undefined): string {
  if (by == null || by === holder) return `released by ${holder ?? "unknown"}`;
  return `released by ${by} (held by ${holder ?? "unknown"})`;
}

function deadTask(base: Task, attempts: number, error: string): Task {
  return {
    ...base,
    status: "dead",
    attempts,
    lastError: error,
    assignedTo: null,
    leaseExpiresAt: null,
    nextAttemptAt: null,
  };
}


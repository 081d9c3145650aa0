/** The data model of SPEC §1: tasks, agents and audit events, as the library sees them. */

export const TaskStatus = {
  pending: "pending",
  in_progress: "in_progress",
  completed: "completed",
  /** Failed and waiting for its retry (`nextAttemptAt`). */
  failed: "failed",
  /** Poison pill: retries exhausted; a person must look at it. */
  dead: "dead",
  cancelled: "cancelled",
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];
export const TASK_STATUSES = Object.values(TaskStatus) as readonly TaskStatus[];

/** Statuses a task never leaves by itself; dependants of a completed task may run. */
export const FINISHED_STATUSES: readonly TaskStatus[] = ["completed", "dead", "cancelled"];

export const Priority = {
  critical: "critical",
  high: "high",
  medium: "medium",
  low: "low",
} as const;
export type Priority = (typeof Priority)[keyof typeof Priority];
export const PRIORITIES = Object.values(Priority) as readonly Priority[];

/** Lower rank is claimed first. Stores index this number, not the name. */
export const PRIORITY_RANK: Record<Priority, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export interface Task {
  id: string;
  title: string;
  description: string;
  metadata: Record<string, unknown>;
  result: string | null;
  status: TaskStatus;
  priority: Priority;
  /** Capabilities an agent must have to take it; empty means anyone. */
  needs: string[];
  dependsOn: string[];
  /** On a pending task, a reservation; on an in-progress task, the holder. */
  assignedTo: string | null;
  /** Fencing token of the current lease, strictly increasing across the board. */
  leaseToken: number | null;
  leaseExpiresAt: string | null;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  /**
   * 1 at creation, +1 on every change to the task (its ETag over HTTP): an edit that names the
   * version it was made against is refused (VERSION_MISMATCH) when the task changed meanwhile.
   */
  version: number;
}

export interface Agent {
  id: string;
  capabilities: string[];
  lastSeenAt: string;
}

export const EventType = {
  CREATED: "CREATED",
  UPDATED: "UPDATED",
  ASSIGNED: "ASSIGNED",
  CLAIMED: "CLAIMED",
  HEARTBEAT: "HEARTBEAT",
  RELEASED: "RELEASED",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
  /** A failed task's retry time has come: it is pending again. */
  RETRY_SCHEDULED: "RETRY_SCHEDULED",
  TIMEOUT: "TIMEOUT",
  POISON_PILL: "POISON_PILL",
  CANCELLED: "CANCELLED",
  REVIVED: "REVIVED",
  NOTE: "NOTE",
  /** `audit rotate` moved older events to an archive file (its data: the archive). */
  ROTATED: "ROTATED",
  IDS_RESERVED: "IDS_RESERVED",
  /** `initCounters` moved counters past ids found on the board or in a TASKS.md. */
  COUNTERS_RAISED: "COUNTERS_RAISED",
  LOCK_BROKEN: "LOCK_BROKEN",
  AGENT_DEAD: "AGENT_DEAD",
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const EVENT_TYPES = Object.values(EventType) as readonly EventType[];

/** What `baton audit --errors` shows (seed 002's `task_audit.sh query errors`). */
export const ERROR_EVENT_TYPES: readonly EventType[] = ["FAILED", "TIMEOUT", "POISON_PILL", "LOCK_BROKEN", "AGENT_DEAD"];

export interface BoardEvent {
  seq: number;
  at: string;
  type: EventType;
  taskId: string | null;
  agentId: string | null;
  from: TaskStatus | null;
  to: TaskStatus | null;
  details: string;
  /**
   * For task events: exactly the fields the change set (CREATED carries the whole task), so
   * folding a task's events in order reproduces its stored state. Other events: their facts.
   */
  data: Record<string, unknown>;
}

export type NewEvent = Omit<BoardEvent, "seq">;

/** The library's option and result types (re-exported by src/board.ts and src/index.ts). */
import type { BoardPolicyInput } from "../core/policy.js";
import type { EventType, Task, TaskStatus } from "../core/task.js";
import type { ClaimOptions } from "../core/validation.js";

export interface BoardOptions {
  policy?: BoardPolicyInput;
  /** Milliseconds since the epoch; injected by tests. Default: the store's clock, else Date.now. */
  clock?: () => number;
  /** In [0, 1); injected by tests to pin retry jitter. */
  random?: () => number;
}

/** Who makes a change, and (for a version-checked edit) the task version it was made against. */
export interface EditBy {
  agent?: string;
  /** Refuse with VERSION_MISMATCH, changing nothing, unless the task is still at this version. */
  expectedVersion?: number;
}

export interface Claim {
  task: Task;
  leaseToken: number;
}

export type CredentialInput = { token?: number | undefined; agent?: string | undefined };

/** The claim of completeAndClaimNext: a claim's options, the agent by default the one that held the completed task. */
export type NextClaimOptions = Omit<ClaimOptions, "agent" | "ids"> & { agent?: string };

/** What completeAndClaimNext did: the task completed, and the next claimed (null when nothing was ready). */
export interface CompletedAndNext {
  completed: Task;
  next: Claim | null;
}

export interface ListQuery {
  status?: TaskStatus | readonly TaskStatus[];
  agent?: string;
  text?: string;
  priority?: string;
  /** Tasks that depend on this task id. */
  dependsOn?: string;
  limit?: number;
}

/** A page of a list (src/board/paging.ts): at most `limit` items after `cursor`. */
export interface PageQuery {
  /** 1 to PAGE_MAX (10,000); default PAGE_DEFAULT (100). */
  limit?: number;
  /** The nextCursor of the previous page of the same list; omit for the first page. */
  cursor?: string;
}

export interface ReadyQuery {
  /** The agent asking: only tasks it may take, those reserved for it first. */
  agent?: string;
  /** Its capabilities (default: those it registered). */
  capabilities?: readonly string[];
}

export interface AuditQuery {
  taskId?: string;
  agent?: string;
  /** One type or several (any of them). */
  type?: EventType | readonly EventType[];
  /** Only error events (ERROR_EVENT_TYPES); combined with `type`, the types in both. */
  errors?: boolean;
  /** Only events at or after this time (ISO 8601, or milliseconds since the epoch). */
  since?: string | number;
  /** Only events before this time. */
  until?: string | number;
  recent?: number;
  afterSeq?: number;
  beforeSeq?: number;
  limit?: number;
}

export interface HealReport {
  timedOut: string[];
  poisoned: string[];
  retried: string[];
  deadAgents: string[];
}

export interface Reservation {
  ids: string[];
  reservedAt: string;
}

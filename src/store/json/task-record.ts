/**
 * One task as it sits in tasks.json: seed 001's fields (`id`, `description`, uppercase
 * `status`, `assigned_to`, `created_at`, `updated_at`, `history`) plus baton's own as extra
 * snake_case properties. Seed statuses cover four of baton's six, so every record baton writes
 * also carries `baton_status`:
 *
 *   baton      seed status   baton_status
 *   pending    PENDING       pending
 *   in_progress IN_PROGRESS  in_progress
 *   completed  COMPLETED     completed
 *   failed     FAILED        failed      (waiting for its retry at next_attempt_at; a hand agent
 *                                         leaves it alone, baton makes it PENDING when due)
 *   dead       FAILED        dead        (retries exhausted: a person must look)
 *   cancelled  FAILED        cancelled
 *
 * When `status` no longer matches `baton_status`, a hand-following agent changed it, and its
 * word wins: PENDING → pending, IN_PROGRESS → in_progress (held by `assigned_to`, without a
 * baton lease), COMPLETED → completed, FAILED → dead (a person said it failed).
 * A task a hand agent set IN_PROGRESS gets a lease all the same, so that its holder can finish,
 * release or heartbeat it through baton and others can recover it if that agent dies: it runs
 * for the board's lease length from the hand agent's last sign of life (the later of
 * `updated_at` and its last `history` entry); its holder is `assigned_to`, else the agent of
 * that last history entry; and it has no lease token — a baton agent that held the task before
 * the hand agent took it must not be able to finish it with its old token.
 * A record written by hand with only seed fields reads with defaults: title from the first
 * line of the description, medium priority, no needs or dependencies, 3 attempts.
 */
import { BatonError, ErrorCode } from "../../core/errors.js";
import { assertNever } from "../../core/exhaustive.js";
import { checkedMetadata } from "../../core/limits.js";
import { DEFAULT_LEASE_SECONDS } from "../../core/policy.js";
import { PRIORITIES, TASK_STATUSES } from "../../core/task.js";
import { TASK_ID_PATTERN } from "../../core/validation.js";
import type { Priority, Task, TaskStatus } from "../../core/task.js";

export type TaskRecord = Record<string, unknown>;

export interface HistoryEntry {
  timestamp: string;
  event: string;
  agent_id: string | null;
  details: string;
}

export const SeedStatus = {
  PENDING: "PENDING",
  IN_PROGRESS: "IN_PROGRESS",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
} as const;
export type SeedStatus = (typeof SeedStatus)[keyof typeof SeedStatus];

export function seedStatusOf(status: TaskStatus): SeedStatus {
  switch (status) {
    case "pending":
      return "PENDING";
    case "in_progress":
      return "IN_PROGRESS";
    case "completed":
      return "COMPLETED";
    case "failed":
    case "dead":
    case "cancelled":
      return "FAILED";
    default:
      return assertNever(status);
  }
}

/** What a seed status means when a hand-following agent set it. */
function statusFromSeed(seed: SeedStatus): TaskStatus {
  switch (seed) {
    case "PENDING":
      return "pending";
    case "IN_PROGRESS":
      return "in_progress";
    case "COMPLETED":
      return "completed";
    case "FAILED":
      return "dead";
    default:
      return assertNever(seed);
  }
}

/** Hand-written records default to this many attempts (the board policy's default). */
const DEFAULT_MAX_ATTEMPTS = 3;
const EPOCH = "1970-01-01T00:00:00.000Z";

/** The lease a hand-claimed task gets when the board names none (the policy's default). */
export const DEFAULT_HAND_LEASE_MS = DEFAULT_LEASE_SECONDS * 1000;

/** Reads a record; `where` names it in messages ("tasks.json task #3 (T-3)"). */
export function taskFromRecord(record: unknown, where: string, handLeaseMs = DEFAULT_HAND_LEASE_MS): Task {
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    throw invalidRecord(where, `is ${Array.isArray(record) ? "an array" : typeof record}, not a task object`);
  }
  const r = record as TaskRecord;
  const field = new FieldReader(r, where);
  const id = r.id;
  if (id === undefined || id === null) throw invalidRecord(where, 'has no "id"');
  if (typeof id !== "string" || !TASK_ID_PATTERN.test(id)) {
    throw invalidRecord(
      where,
      `has an invalid id ${JSON.stringify(id)}: ids are 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  const description = field.string("description") ?? "";
  const seedRaw = field.string("status") ?? "PENDING";
  const seed = seedRaw.toUpperCase();
  if (!(seed in SeedStatus)) {
    throw invalidRecord(where, `has status ${JSON.stringify(seedRaw)}; use one of ${Object.keys(SeedStatus).join(", ")}`);
  }
  const batonStatus = field.oneOf("baton_status", TASK_STATUSES);
  const handChanged = batonStatus === undefined || seedStatusOf(batonStatus) !== seed;
  const status = handChanged ? statusFromSeed(seed as SeedStatus) : batonStatus;
  const updatedAt = field.timestamp("updated_at");
  const createdAt = field.timestamp("created_at") ?? updatedAt ?? EPOCH;
  const handClaim = handChanged && status === "in_progress" ? handClaimOf(r, updatedAt ?? createdAt, handLeaseMs) : null;
  return {
    id,
    title: field.string("title") ?? titleFrom(description, id),
    description,
    metadata: checkedMetadata(field.object("metadata") ?? {}, where),
    result: field.string("result") ?? null,
    status,
    priority: (field.oneOf("priority", PRIORITIES) as Priority | undefined) ?? "medium",
    needs: field.strings("needs") ?? [],
    dependsOn: field.strings("depends_on") ?? [],
    assignedTo: field.string("assigned_to") ?? handClaim?.holder ?? null,
    leaseToken: handClaim ? null : (field.integer("lease_token", 1) ?? null),
    // A hand change ends any baton lease: the hand agent is not heartbeating it.
    leaseExpiresAt: handClaim ? handClaim.leaseExpiresAt : handChanged ? null : (field.timestamp("lease_expires_at") ?? null),
    attempts: field.integer("attempts", 0) ?? 0,
    maxAttempts: field.integer("max_attempts", 1) ?? DEFAULT_MAX_ATTEMPTS,
    nextAttemptAt: handChanged ? null : (field.timestamp("next_attempt_at") ?? null),
    lastError: field.string("last_error") ?? null,
    createdAt,
    updatedAt: updatedAt ?? createdAt,
    createdBy: field.string("created_by") ?? null,
    // A record written by hand has none: it reads as a task just created.
    version: field.integer("version", 1) ?? 1,
  };
}

/**
 * The record for a task baton changed: the previous record's keys stay (in their order, so a
 * diff shows only what changed, and fields baton does not know are kept untouched), baton's
 * fields are set, and `newHistory` is appended to `history`.
 */
export function recordFromTask(task: Task, previous: TaskRecord | null, newHistory: readonly HistoryEntry[]): TaskRecord {
  const oldHistory = Array.isArray(previous?.history) ? (previous.history as unknown[]) : [];
  const fields: TaskRecord = {
    id: task.id,
    description: task.description,
    status: seedStatusOf(task.status),
    assigned_to: task.assignedTo,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    history: [...oldHistory, ...newHistory],
    title: task.title,
    baton_status: task.status,
    priority: task.priority,
    needs: task.needs,
    depends_on: task.dependsOn,
    lease_token: task.leaseToken,
    lease_expires_at: task.leaseExpiresAt,
    attempts: task.attempts,
    max_attempts: task.maxAttempts,
    next_attempt_at: task.nextAttemptAt,
    last_error: task.lastError,
    result: task.result,
    metadata: task.metadata,
    created_by: task.createdBy,
    version: task.version,
  };
  return { ...previous, ...fields };
}

/** A hand claim's lease (from the hand agent's last sign of life) and its holder. */
function handClaimOf(r: TaskRecord, updatedAt: string, handLeaseMs: number): { leaseExpiresAt: string; holder: string | null } {
  const history = Array.isArray(r.history) ? (r.history as unknown[]) : [];
  const last = history[history.length - 1] as { timestamp?: unknown; agent_id?: unknown } | undefined;
  const lastAt = typeof last?.timestamp === "string" ? Date.parse(last.timestamp) : NaN;
  const seenAt = Number.isFinite(lastAt) ? Math.max(lastAt, Date.parse(updatedAt)) : Date.parse(updatedAt);
  return {
    leaseExpiresAt: new Date(seenAt + handLeaseMs).toISOString(),
    holder: typeof last?.agent_id === "string" && last.agent_id !== "" ? last.agent_id : null,
  };
}

function titleFrom(description: string, id: string): string {
  const firstLine = description.split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
  if (firstLine === "") return id;
  return firstLine.length > 500 ? `${firstLine.slice(0, 499)}…` : firstLine;
}

/** Reads one optional field; a present value of the wrong type is CORRUPT_STORE naming it. */
class FieldReader {
  constructor(
    private readonly record: TaskRecord,
    private readonly where: string,
  ) {}

  private present(key: string): unknown {
    const value = this.record[key];
    return value === null ? undefined : value;
  }

  private wrong(key: string, expected: string): never {
    throw invalidRecord(this.where, `has "${key}": ${JSON.stringify(this.record[key])}, expected ${expected}`);
  }

  string(key: string): string | undefined {
    const v = this.present(key);
    if (v === undefined || typeof v === "string") return v;
    return this.wrong(key, "a string");
  }

  strings(key: string): string[] | undefined {
    const v = this.present(key);
    if (v === undefined) return undefined;
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
    return this.wrong(key, "an array of strings");
  }

  integer(key: string, min: number): number | undefined {
    const v = this.present(key);
    if (v === undefined) return undefined;
    // Safe integers only: beyond 2^53 - 1, + 1 is lost (a lease token would repeat).
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= min) return v;
    return this.wrong(key, `a whole number from ${min} to ${Number.MAX_SAFE_INTEGER}`);
  }

  object(key: string): Record<string, unknown> | undefined {
    const v = this.present(key);
    if (v === undefined) return undefined;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    return this.wrong(key, "an object");
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    const lower = v.toLowerCase() as T;
    if (allowed.includes(lower)) return lower;
    return this.wrong(key, `one of ${allowed.join(", ")}`);
  }

  /** ISO 8601; normalised to UTC with milliseconds so timestamps sort as strings. */
  timestamp(key: string): string | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) return this.wrong(key, "an ISO 8601 timestamp");
    return new Date(ms).toISOString();
  }
}

export function invalidRecord(where: string, problem: string): BatonError {
  return new BatonError(ErrorCode.CORRUPT_STORE, `${where} ${problem}`, { where });
}

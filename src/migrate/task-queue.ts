/**
 * Seed 002's TASK_QUEUE.json: `{ "queue": [ {id, title, status, priority, dependencies,
 * type, claimed_by, claimed_on, …} ] }`. Fields are read by name, never by position.
 *
 * Numeric ids: baton mints ids as PREFIX-N from a counter, so id 12 becomes Q-12 (the prefix
 * is an option, default Q) and its dependencies follow; the counter Q is raised past the
 * highest, so new tasks never collide. Export turns Q-N back into the number N.
 */
import { BatonError, ErrorCode } from "../core/errors.js";
import { blankRow, checkedCapabilities, checkedId, checkedTitle, idLines, priorityOf, rowError, statusOf } from "./rows.js";
import type { ImportRow } from "./rows.js";

export const DEFAULT_QUEUE_PREFIX = "Q";

/** Fields with a meaning here; any other is kept in metadata under its own name. */
export const QUEUE_FIELDS = new Set([
  "id", "title", "name", "description", "status", "priority", "dependencies", "depends_on", "type", "needs",
  "claimed_by", "assigned_to", "result", "attempts", "retry_count", "max_attempts", "max_retries", "last_error",
  "created_at", "metadata",
]);

export function queueId(value: unknown, prefix: string, line: number): string {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return `${prefix}-${value}`;
  if (typeof value === "string" && /^\d{1,15}$/.test(value.trim())) return `${prefix}-${Number(value.trim())}`;
  return checkedId(value, line);
}

export function parseTaskQueue(text: string, prefix = DEFAULT_QUEUE_PREFIX): ImportRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new BatonError(ErrorCode.INVALID_INPUT, `not valid JSON (${(error as Error).message}); nothing was imported`);
  }
  const queue = Array.isArray(parsed) ? parsed : (parsed as { queue?: unknown } | null)?.queue;
  if (!Array.isArray(queue)) {
    throw new BatonError(ErrorCode.INVALID_INPUT, 'a TASK_QUEUE.json holds {"queue": [ … ]}; nothing was imported');
  }
  const lines = idLines(text, queue.map((e) => (typeof e === "object" && e !== null ? (e as Record<string, unknown>).id : undefined)));
  return queue.map((entry, i) => rowOf(entry, lines[i] ?? 1, prefix));
}

function rowOf(entry: unknown, line: number, prefix: string): ImportRow {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw rowError(line, "a queue entry is an object");
  const e = entry as Record<string, unknown>;
  if (e.id === undefined || e.id === null || e.id === "") throw rowError(line, 'a queue entry needs an "id"');
  const id = queueId(e.id, prefix, line);
  const row = blankRow(line, id, checkedTitle(e.title ?? e.name ?? e.description, line));
  const list = (value: unknown, what: string): unknown[] => {
    if (value === undefined || value === null || value === "") return [];
    if (Array.isArray(value)) return value;
    if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (typeof value === "number") return [value];
    throw rowError(line, `${what} must be a list`);
  };
  const type = typeof e.type === "string" && e.type.trim() !== "" && e.type.trim().toLowerCase() !== "any" ? [e.type.trim()] : [];
  const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
  const count = (value: unknown, what: string): number | null => {
    if (value === undefined || value === null) return null;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
    throw rowError(line, `${what} must be a whole number`);
  };
  const extra = Object.fromEntries(Object.entries(e).filter(([key]) => !QUEUE_FIELDS.has(key)));
  const nested = typeof e.metadata === "object" && e.metadata !== null && !Array.isArray(e.metadata) ? (e.metadata as Record<string, unknown>) : {};
  const maxRetries = count(e.max_retries, "max_retries");
  return {
    ...row,
    description: typeof e.description === "string" && (e.title !== undefined || e.name !== undefined) ? e.description : "",
    status: statusOf(e.status, line),
    priority: priorityOf(e.priority, line),
    needs: checkedCapabilities([...new Set([...type, ...list(e.needs, "needs")])], line),
    dependsOn: [...new Set(list(e.dependencies ?? e.depends_on, "dependencies").map((d) => queueId(d, prefix, line)))],
    assignedTo: text(e.claimed_by) ?? text(e.assigned_to),
    result: text(e.result),
    attempts: count(e.attempts, "attempts") ?? count(e.retry_count, "retry_count") ?? 0,
    // Seed 002: "after 3 failures → poison pill" with max_retries 3: the same number as max_attempts.
    maxAttempts: count(e.max_attempts, "max_attempts") ?? (maxRetries === 0 ? 1 : maxRetries),
    lastError: text(e.last_error),
    metadata: { ...extra, ...nested },
    createdAt: text(e.created_at),
  };
}

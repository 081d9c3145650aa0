/** A library AuditQuery, validated once, as the Store's EventQuery. */
import { invalidInput } from "../core/errors.js";
import { ERROR_EVENT_TYPES } from "../core/task.js";
import { toIso } from "../core/time.js";
import {
  checkAgentId,
  checkTaskId,
  eventTypeSchema,
  nonNegativeIntSchema,
  parseInput,
  positiveIntSchema,
} from "../core/validation.js";
import type { EventType } from "../core/task.js";
import type { EventQuery } from "../store/store.js";
import type { AuditQuery } from "./types.js";

export function eventQueryOf(query: AuditQuery): EventQuery {
  const q: EventQuery = {};
  if (query.taskId !== undefined) q.taskId = checkTaskId(query.taskId);
  if (query.agent !== undefined) q.agentId = checkAgentId(query.agent);
  const types = typesOf(query);
  if (types !== undefined) q.types = types;
  if (query.since !== undefined) q.since = instant(query.since, "since");
  if (query.until !== undefined) q.until = instant(query.until, "until");
  if (query.recent !== undefined) q.recent = parseInput(positiveIntSchema("recent"), query.recent, "recent");
  if (query.afterSeq !== undefined) q.afterSeq = parseInput(nonNegativeIntSchema("afterSeq"), query.afterSeq, "afterSeq");
  if (query.beforeSeq !== undefined) q.beforeSeq = parseInput(positiveIntSchema("beforeSeq"), query.beforeSeq, "beforeSeq");
  if (query.limit !== undefined) q.limit = parseInput(positiveIntSchema("limit"), query.limit, "limit");
  return q;
}

function typesOf(query: AuditQuery): EventType[] | undefined {
  const named =
    query.type === undefined
      ? undefined
      : (typeof query.type === "string" ? [query.type] : [...query.type]).map(
          (t) => parseInput(eventTypeSchema, t, "event type") as EventType,
        );
  if (named?.length === 0) throw invalidInput("name at least one event type, e.g. --type FAILED,TIMEOUT");
  if (!query.errors) return named;
  return named === undefined ? [...ERROR_EVENT_TYPES] : named.filter((t) => ERROR_EVENT_TYPES.includes(t));
}

/** ISO 8601 (a date alone is midnight UTC) or milliseconds since the epoch → ISO with milliseconds. */
export function instant(value: string | number, what: string): string {
  const ms = typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw invalidInput(`invalid ${what} ${JSON.stringify(value)}: use an ISO 8601 time like 2026-03-01 or 2026-03-01T12:00:00Z`);
  }
  return toIso(ms);
}

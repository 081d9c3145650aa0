/**
 * Mapping between PostgreSQL rows and domain objects. Timestamps are timestamptz in the
 * database and ISO 8601 strings with milliseconds in the domain; bigint columns come back as
 * numbers while exact (see exactInt8).
 */
import { checkedMetadata } from "../../core/limits.js";
import pg from "pg";
import { checkStoredToken } from "../../core/fencing.js";
import { PRIORITY_RANK } from "../../core/task.js";
import type { Agent, BoardEvent, EventType, Priority, Task, TaskStatus } from "../../core/task.js";
import type { EventArchive } from "../store.js";

const INT8_OID = 20;
const TIMESTAMPTZ_OID = 1184;

/** "2026-11-23 09:12:46.123+00" (the session runs in UTC) → "2026-11-23T09:12:46.123Z". */
export function isoFromTimestamptz(text: string): string {
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?\+00$/.exec(text);
  if (!match) return new Date(text).toISOString();
  const ms = (match[3] ?? "").padEnd(3, "0").slice(0, 3);
  return `${match[1]}T${match[2]}.${ms}Z`;
}

/**
 * An int8 as a number when it is exact; beyond 2^53 − 1 the text itself, so nothing is rounded
 * silently (a rounded lease token would repeat): the reader that needs a number refuses it.
 */
function exactInt8(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** Type parsers for the pool: int8 → number, timestamptz → ISO string. */
export const typeParsers = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (oid === INT8_OID) return exactInt8;
    if (oid === TIMESTAMPTZ_OID) return isoFromTimestamptz;
    return pg.types.getTypeParser(oid, (format ?? "text") as "text") as (value: string) => unknown;
  },
} as unknown as pg.CustomTypesConfig;

/** The columns every task read selects; row_version is xmin, the version the row was read at. */
export const TASK_COLUMNS = `xmin::text AS row_version, id, title, description, metadata, result, status,
  priority, needs, depends_on, assigned_to, lease_token, lease_expires_at, attempts, max_attempts,
  next_attempt_at, last_error, created_at, updated_at, created_by, version`;

export interface TaskRow {
  row_version: string;
  id: string;
  title: string;
  description: string;
  metadata: Record<string, unknown>;
  result: string | null;
  status: string;
  priority: string;
  needs: string[];
  depends_on: string[];
  assigned_to: string | null;
  lease_token: number | null;
  lease_expires_at: string | null;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  version: number;
}

export function taskFromRow(row: TaskRow): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    metadata: checkedMetadata(row.metadata, `task ${row.id}`),
    result: row.result,
    status: row.status as TaskStatus,
    priority: row.priority as Priority,
    needs: row.needs,
    dependsOn: row.depends_on,
    assignedTo: row.assigned_to,
    leaseToken: row.lease_token === null ? null : checkStoredToken(row.lease_token, `task ${row.id}`),
    leaseExpiresAt: row.lease_expires_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
    version: row.version,
  };
}

/** Parameters $1…$21 in the column order of INSERT/UPDATE statements. */
export function taskParams(task: Task): unknown[] {
  return [
    task.id,
    task.title,
    task.description,
    JSON.stringify(task.metadata),
    task.result,
    task.status,
    task.priority,
    PRIORITY_RANK[task.priority],
    JSON.stringify(task.needs),
    JSON.stringify(task.dependsOn),
    task.assignedTo,
    task.leaseToken,
    task.leaseExpiresAt,
    task.attempts,
    task.maxAttempts,
    task.nextAttemptAt,
    task.lastError,
    task.createdAt,
    task.updatedAt,
    task.createdBy,
    task.version,
  ];
}

export interface EventRow {
  seq: number;
  at: string;
  type: string;
  task_id: string | null;
  agent_id: string | null;
  from_status: string | null;
  to_status: string | null;
  details: string;
  data: Record<string, unknown>;
}

export function eventFromRow(row: EventRow): BoardEvent {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type as EventType,
    taskId: row.task_id,
    agentId: row.agent_id,
    from: row.from_status as TaskStatus | null,
    to: row.to_status as TaskStatus | null,
    details: row.details,
    data: row.data,
  };
}

export interface AgentRow {
  id: string;
  capabilities: string[];
  last_seen_at: string;
  /** xmin, when the row was read for a write transaction. */
  row_version?: string;
}

export function agentFromRow(row: AgentRow): Agent {
  return { id: row.id, capabilities: row.capabilities, lastSeenAt: row.last_seen_at };
}

export function archiveValues(a: EventArchive): unknown[] {
  return [a.fromSeq, a.toSeq, a.count, a.file, a.firstAt, a.lastAt, a.sha256, a.bytes, a.rotatedAt];
}

/**
 * Seed 001's tasks.json: an array of `{id, description, status (UPPERCASE), assigned_to,
 * created_at, updated_at, history}`, plus baton's own fields when baton wrote it. Read with
 * the JSON store's own record reader (store/json/task-record.ts, pure), so a file baton
 * wrote imports exactly; history entries become NOTE events; other fields go to metadata.
 */
import { BatonError, ErrorCode } from "../core/errors.js";
import { taskFromRecord } from "../store/json/task-record.js";
import { blankRow, idLines, rowError } from "./rows.js";
import type { HistoryEntry, ImportRow } from "./rows.js";
import type { Task } from "../core/task.js";

/**
 * Fields seed 001 or baton give a meaning to; any other is kept in metadata. `version` is the
 * exporting board's edit count: an imported task starts at 1 on its new board, like any new task.
 */
const KNOWN = new Set([
  "id", "description", "status", "assigned_to", "created_at", "updated_at", "history", "title", "baton_status",
  "priority", "needs", "depends_on", "lease_token", "lease_expires_at", "attempts", "max_attempts", "next_attempt_at",
  "last_error", "result", "metadata", "created_by", "version",
]);

export function parseTasksJson(text: string): ImportRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new BatonError(ErrorCode.INVALID_INPUT, `not valid JSON (${(error as Error).message}); nothing was imported`);
  }
  if (!Array.isArray(parsed)) {
    throw new BatonError(ErrorCode.INVALID_INPUT, "a tasks.json is an array of tasks ([{\"id\": …}, …]); nothing was imported");
  }
  const lines = idLines(text, parsed.map((r) => (typeof r === "object" && r !== null ? (r as Record<string, unknown>).id : undefined)));
  return parsed.map((record, i) => rowOf(record, lines[i] ?? 1, i));
}

function rowOf(record: unknown, line: number, index: number): ImportRow {
  let task: Task;
  try {
    task = taskFromRecord(record, `task #${index + 1}`);
  } catch (error) {
    if (error instanceof BatonError) throw rowError(line, error.message);
    throw error;
  }
  const r = record as Record<string, unknown>;
  const extra = Object.fromEntries(Object.entries(r).filter(([key]) => !KNOWN.has(key)));
  const row = blankRow(line, task.id, task.title);
  return {
    ...row,
    description: task.description,
    status: task.status,
    priority: task.priority,
    needs: task.needs,
    dependsOn: task.dependsOn,
    assignedTo: task.assignedTo,
    result: task.result,
    attempts: task.attempts,
    maxAttempts: typeof r.max_attempts === "number" ? task.maxAttempts : null,
    lastError: task.lastError,
    metadata: { ...extra, ...task.metadata },
    createdAt: typeof r.created_at === "string" ? task.createdAt : null,
    history: historyOf(r.history, line),
  };
}

function historyOf(history: unknown, line: number): HistoryEntry[] {
  if (history === undefined || history === null) return [];
  if (!Array.isArray(history)) throw rowError(line, "history must be an array of {timestamp, event, agent_id, details}");
  return history.map((h) => {
    const e = (typeof h === "object" && h !== null ? h : {}) as Record<string, unknown>;
    return {
      at: typeof e.timestamp === "string" ? e.timestamp : null,
      event: typeof e.event === "string" ? e.event : "NOTE",
      agentId: typeof e.agent_id === "string" ? e.agent_id : null,
      details: typeof e.details === "string" ? e.details : "",
    };
  });
}

/**
 * `baton export --format …`: the board written back in each seed's format, so that importing
 * the output into an empty board gives the same tasks (import(export(x)) = x for every field
 * the format carries; tasks-json carries them all).
 */
import { recordFromTask } from "../store/json/task-record.js";
import { QUEUE_FIELDS } from "./task-queue.js";
import { EMPTY_CELLS } from "./tasks-md.js";
import type { Task } from "../core/task.js";
import type { ImportFormat } from "./rows.js";

export interface ExportHistory {
  timestamp: string;
  event: string;
  agent_id: string | null;
  details: string;
}

export function formatTasks(
  format: ImportFormat,
  tasks: readonly Task[],
  options: { history?: ReadonlyMap<string, ExportHistory[]>; queuePrefix: string },
): string {
  switch (format) {
    case "tasks-json":
      return `${JSON.stringify(tasks.map((t) => recordFromTask(t, null, options.history?.get(t.id) ?? [])), null, 2)}\n`;
    case "task-queue":
      return `${JSON.stringify({ queue: tasks.map((t) => queueEntry(t, options.queuePrefix)) }, null, 2)}\n`;
    case "tasks-md":
      return tasksMd(tasks);
    default:
      return format satisfies never;
  }
}

function queueId(id: string, prefix: string): string | number {
  const match = new RegExp(`^${prefix}-(\\d{1,15})$`).exec(id);
  return match ? Number(match[1]) : id;
}

function queueEntry(task: Task, prefix: string): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    id: queueId(task.id, prefix),
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    dependencies: task.dependsOn.map((d) => queueId(d, prefix)),
    needs: task.needs,
    claimed_by: task.assignedTo,
    result: task.result,
    attempts: task.attempts,
    max_attempts: task.maxAttempts,
    last_error: task.lastError,
    created_at: task.createdAt,
  };
  // Metadata goes back to top-level fields (import keeps unknown fields in metadata); a key
  // that would clash with a queue field stays nested.
  const nested: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(task.metadata)) {
    if (QUEUE_FIELDS.has(key)) nested[key] = value;
    else entry[key] = value;
  }
  if (Object.keys(nested).length > 0) entry.metadata = nested;
  return entry;
}

const MD_COLUMNS = ["ID", "Title", "Estimate", "Priority", "Status", "Depends", "Needs", "Assignee", "Source"];

function cell(value: string): string {
  const flat = value.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  // A text that reads as "empty" ("-", "none") is written in backticks, which import strips.
  return flat !== "" && EMPTY_CELLS.has(flat.toLowerCase()) ? `\`${flat}\`` : flat;
}

function tasksMd(tasks: readonly Task[]): string {
  // Metadata with text values becomes columns (Estimate and Source first, as in seed 003).
  const extra = [...new Set(tasks.flatMap((t) => Object.keys(t.metadata).filter((k) => typeof t.metadata[k] === "string")))]
    .filter((k) => !["estimate", "source"].includes(k))
    .sort();
  const headers = [...MD_COLUMNS, ...extra];
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  const text = (task: Task, key: string): string => (typeof task.metadata[key] === "string" ? cell(task.metadata[key] as string) : "");
  const rows = tasks.map((t) =>
    line([
      t.id,
      cell(t.title),
      text(t, "estimate"),
      t.priority,
      t.status,
      t.dependsOn.join(", "),
      t.needs.join(", "),
      t.assignedTo ?? "",
      text(t, "source"),
      ...extra.map((k) => text(t, k)),
    ]),
  );
  return [`# Tasks`, "", line(headers), line(headers.map(() => "---")), ...rows, ""].join("\n");
}

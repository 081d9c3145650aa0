/**
 * What every import format is read into: one row per task, with the line it came from, in
 * baton's vocabulary (statuses, priorities, ids). Parsers (tasks-json.ts, task-queue.ts,
 * tasks-md.ts) are pure; the board applies rows in one transaction (board/importing.ts).
 */
import { BatonError, ErrorCode } from "../core/errors.js";
import { CAPABILITY_PATTERN, TASK_ID_PATTERN } from "../core/validation.js";
import type { Priority, TaskStatus } from "../core/task.js";

export const ImportFormat = {
  "tasks-json": "tasks-json",
  "task-queue": "task-queue",
  "tasks-md": "tasks-md",
} as const;
export type ImportFormat = (typeof ImportFormat)[keyof typeof ImportFormat];
export const IMPORT_FORMATS = Object.values(ImportFormat) as readonly ImportFormat[];

export interface HistoryEntry {
  at: string | null;
  event: string;
  agentId: string | null;
  details: string;
}

export interface ImportRow {
  /** 1-based line of the file where the task starts. */
  line: number;
  id: string;
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  needs: string[];
  dependsOn: string[];
  assignedTo: string | null;
  result: string | null;
  attempts: number;
  /** null: the board's default. */
  maxAttempts: number | null;
  lastError: string | null;
  metadata: Record<string, unknown>;
  createdAt: string | null;
  history: HistoryEntry[];
}

export function rowError(line: number, message: string): BatonError {
  return new BatonError(ErrorCode.INVALID_INPUT, `line ${line}: ${message}; nothing was imported`, { line });
}

/** Status words of the seeds and of hand-kept lists, case and separators ignored. */
const STATUS_WORDS: Record<string, TaskStatus> = {
  pending: "pending", todo: "pending", ready: "pending", open: "pending", backlog: "pending", new: "pending",
  blocked: "pending", queued: "pending", available: "pending",
  in_progress: "in_progress", inprogress: "in_progress", claimed: "in_progress", active: "in_progress",
  wip: "in_progress", doing: "in_progress", started: "in_progress", working: "in_progress",
  completed: "completed", complete: "completed", done: "completed", finished: "completed", closed: "completed",
  failed: "failed", retry: "failed", error: "failed",
  dead: "dead", poison_pill: "dead", poisoned: "dead",
  cancelled: "cancelled", canceled: "cancelled", dropped: "cancelled", wontfix: "cancelled", skipped: "cancelled",
};

export function statusOf(word: unknown, line: number): TaskStatus {
  if (word === undefined || word === null || word === "") return "pending";
  const key = String(word).trim().toLowerCase().replace(/[\s-]+/g, "_").replace(/[^a-z_]/g, "");
  const status = STATUS_WORDS[key];
  if (!status) {
    throw rowError(line, `unknown status ${JSON.stringify(word)}; use pending, in_progress, completed, failed, dead or cancelled (or todo, done…)`);
  }
  return status;
}

const PRIORITY_WORDS: Record<string, Priority> = {
  critical: "critical", urgent: "critical", p0: "critical", highest: "critical",
  high: "high", p1: "high",
  medium: "medium", normal: "medium", p2: "medium", med: "medium",
  low: "low", p3: "low", lowest: "low", p4: "low",
};

export function priorityOf(word: unknown, line: number): Priority {
  if (word === undefined || word === null || word === "") return "medium";
  const priority = PRIORITY_WORDS[String(word).trim().toLowerCase()];
  if (!priority) throw rowError(line, `unknown priority ${JSON.stringify(word)}; use critical, high, medium or low (or P0-P3)`);
  return priority;
}

export function checkedId(id: unknown, line: number): string {
  if (typeof id === "string" && TASK_ID_PATTERN.test(id)) return id;
  throw rowError(line, `invalid task id ${JSON.stringify(id)}: ids are 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
}

export function checkedCapabilities(values: readonly unknown[], line: number): string[] {
  return values.map((v) => {
    if (typeof v === "string" && CAPABILITY_PATTERN.test(v)) return v;
    throw rowError(line, `invalid capability ${JSON.stringify(v)}: a capability is a word of letters, digits, '.', '_' or '-'`);
  });
}

export function checkedTitle(title: unknown, line: number): string {
  const text = typeof title === "string" ? title.trim() : "";
  if (text === "") throw rowError(line, "a task needs a non-empty title");
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}

/** An empty row with defaults, for parsers to fill. */
export function blankRow(line: number, id: string, title: string): ImportRow {
  return {
    line, id, title, description: "", status: "pending", priority: "medium", needs: [], dependsOn: [],
    assignedTo: null, result: null, attempts: 0, maxAttempts: null, lastError: null, metadata: {}, createdAt: null, history: [],
  };
}

/** The 1-based line of each `"id": value` in JSON text, in order (for messages). */
export function idLines(text: string, ids: readonly unknown[]): number[] {
  const lines: number[] = [];
  let from = 0;
  for (const id of ids) {
    const needle = new RegExp(`"id"\\s*:\\s*${escapeRegExp(JSON.stringify(id) ?? "null")}`, "g");
    needle.lastIndex = from;
    const found = needle.exec(text);
    if (!found) {
      lines.push(lines[lines.length - 1] ?? 1);
      continue;
    }
    from = found.index + found[0].length;
    lines.push(text.slice(0, found.index).split("\n").length);
  }
  return lines;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Readable output for people: tables of tasks, agents and events, and one-line outcomes.
 * Machines use `--json` (json-shape.ts); nothing here is a contract.
 */
import { formatDuration } from "../core/duration.js";
import { fromIso } from "../core/time.js";
import type { Agent, BoardEvent, Task } from "../core/task.js";
import { printable } from "./escape.js";
import { STATUS_PAINT } from "./style.js";
import type { Style, Paint } from "./style.js";

interface Column<T> {
  title: string;
  cell: (row: T) => string;
  paint?: (row: T) => Paint | null;
}

/** Left-aligned columns; the last one is cut to the terminal width. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[], style: Style): string {
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  // A loop, not Math.max(...cells): spreading 450k cells as arguments overflows the stack.
  const widths = columns.map((c, i) => cells.reduce((w, r) => Math.max(w, (r[i] as string).length), c.title.length));
  const fit = (text: string, i: number): string => {
    if (i < columns.length - 1) return text.padEnd(widths[i] as number);
    if (style.width === null) return text;
    const room = style.width - widths.slice(0, -1).reduce((a, w) => a + w + 2, 0);
    return text.length > room && room > 4 ? `${text.slice(0, room - 1)}…` : text;
  };
  const header = columns.map((c, i) => style.paint("bold", fit(c.title, i))).join("  ");
  const lines = cells.map((r, ri) =>
    r
      .map((text, i) => {
        const paint = columns[i]?.paint?.(rows[ri] as T) ?? null;
        return paint ? style.paint(paint, fit(text, i)) : fit(text, i);
      })
      .join("  ")
      .trimEnd(),
  );
  return [header.trimEnd(), ...lines].join("\n");
}

/** `header: false` for the pages after the first one of a streamed list. */
export function taskTable(tasks: readonly Task[], style: Style, now: number, header = true): string {
  if (tasks.length === 0) return header ? "no tasks" : "";
  const text = table(
    tasks.map(printableTask),
    [
      { title: "ID", cell: (t) => t.id, paint: () => "bold" },
      { title: "STATUS", cell: (t) => t.status, paint: (t) => STATUS_PAINT[t.status] },
      { title: "PRIORITY", cell: (t) => t.priority },
      { title: "AGENT", cell: (t) => t.assignedTo ?? "" },
      { title: "WHEN", cell: (t) => timing(t, now) },
      { title: "TITLE", cell: (t) => t.title + (t.dependsOn.length ? `  (after ${t.dependsOn.join(", ")})` : "") },
    ],
    style,
  );
  return header ? text : text.slice(text.indexOf("\n") + 1);
}

/** The time that matters for this status: lease end, retry time, or when it finished. */
function timing(task: Task, now: number): string {
  if (task.status === "in_progress" && task.leaseExpiresAt) return `lease ${relative(task.leaseExpiresAt, now)}`;
  if (task.status === "failed" && task.nextAttemptAt) return `retry ${relative(task.nextAttemptAt, now)}`;
  if (task.attempts > 0 && task.status !== "completed") return `${task.attempts}/${task.maxAttempts} attempts`;
  return "";
}

export function relative(iso: string, now: number): string {
  const ms = fromIso(iso) - now;
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(ms)} ago`;
}

/** What the agent on a task is to it: only a pending task is reserved; a completed one keeps its last holder. */
function agentLabel(status: Task["status"]): string {
  if (status === "in_progress") return "held by";
  if (status === "pending") return "reserved for";
  if (status === "completed") return "completed by";
  return "last held by";
}

export function taskDetail(raw: Task, style: Style, now: number): string {
  const task = printableTask(raw);
  const rows: [string, string][] = [
    ["id", style.paint("bold", task.id)],
    ["title", task.title],
    ["status", style.paint(STATUS_PAINT[task.status], task.status)],
    ["priority", task.priority],
  ];
  if (task.assignedTo) rows.push([agentLabel(task.status), task.assignedTo]);
  if (task.leaseToken !== null) rows.push(["lease token", String(task.leaseToken)]);
  if (task.leaseExpiresAt) rows.push(["lease expires", `${task.leaseExpiresAt} (${relative(task.leaseExpiresAt, now)})`]);
  if (task.needs.length) rows.push(["needs", task.needs.join(", ")]);
  if (task.dependsOn.length) rows.push(["after", task.dependsOn.join(", ")]);
  rows.push(["attempts", `${task.attempts} of ${task.maxAttempts}`]);
  if (task.nextAttemptAt) rows.push(["next attempt", `${task.nextAttemptAt} (${relative(task.nextAttemptAt, now)})`]);
  if (task.lastError) rows.push(["last error", task.lastError]);
  if (task.result !== null) rows.push(["result", task.result]);
  rows.push(["created", `${task.createdAt}${task.createdBy ? ` by ${task.createdBy}` : ""}`]);
  rows.push(["updated", `${task.updatedAt} (version ${task.version})`]);
  if (Object.keys(task.metadata).length) rows.push(["metadata", printable(JSON.stringify(task.metadata))]);
  const width = rows.reduce((w, [k]) => Math.max(w, k.length), 0);
  const lines = rows.map(([k, v]) => `${style.paint("dim", k.padEnd(width))}  ${v}`);
  if (task.description) lines.push("", task.description);
  return lines.join("\n");
}

/** One line saying what a verb just did to a task, with the next step when there is one. */
export function outcome(raw: Task, style: Style, now: number): string {
  const task = printableTask(raw);
  const id = style.paint("bold", task.id);
  switch (task.status) {
    case "in_progress":
      return (
        `${id} held by ${task.assignedTo} · lease token ${style.paint("bold", String(task.leaseToken))} · ` +
        `expires ${relative(task.leaseExpiresAt as string, now)}  "${task.title}"`
      );
    case "completed":
      return `${id} ${style.status("completed")}  "${task.title}"`;
    case "failed":
      return (
        `${id} ${style.status("failed")} (attempt ${task.attempts} of ${task.maxAttempts}); ` +
        `it is ready again ${relative(task.nextAttemptAt as string, now)}`
      );
    case "dead":
      return (
        `${id} is ${style.status("dead")} after ${task.attempts} attempts (poison pill): ` +
        `fix the cause, then \`baton revive ${task.id}\``
      );
    case "pending":
      return `${id} ${style.status("pending")}${task.assignedTo ? ` (reserved for ${task.assignedTo})` : ""}  "${task.title}"`;
    case "cancelled":
      return `${id} ${style.status("cancelled")}  "${task.title}"`;
  }
}

export function claimSummary(raw: Task, style: Style, now: number): string {
  const token = raw.leaseToken as number;
  const task = printableTask(raw);
  return [
    `claimed ${outcome(raw, style, now)}`,
    style.paint(
      "dim",
      `  finish: baton done ${task.id} --token ${token} · give up: baton fail ${task.id} --token ${token} --error TEXT`,
    ),
  ].join("\n");
}

/** Column widths of an event table; `watch` prints one event at a time, with these minimums. */
export interface EventWidths {
  seq: number;
  type: number;
  task: number;
  agent: number;
  move: number;
}

const MIN_EVENT_WIDTHS: EventWidths = { seq: 4, type: 15, task: 8, agent: 10, move: 24 };

function eventMove(event: BoardEvent): string {
  return event.from || event.to ? `${event.from ?? "·"}→${event.to ?? "·"}` : "";
}

/** Widths that fit every event of the page shown, so columns stay aligned as seq gains digits. */
export function eventWidths(raw: readonly BoardEvent[]): EventWidths {
  const widths = { ...MIN_EVENT_WIDTHS };
  for (const event of raw.map(printableEvent)) {
    widths.seq = Math.max(widths.seq, `#${event.seq}`.length);
    widths.type = Math.max(widths.type, event.type.length);
    widths.task = Math.max(widths.task, (event.taskId ?? "").length);
    widths.agent = Math.max(widths.agent, (event.agentId ?? "").length);
    widths.move = Math.max(widths.move, eventMove(event).length);
  }
  return widths;
}

export function eventLine(raw: BoardEvent, style: Style, widths: EventWidths = MIN_EVENT_WIDTHS): string {
  const event = printableEvent(raw);
  return [
    style.paint("dim", `#${event.seq}`.padEnd(widths.seq)),
    style.paint("dim", event.at.slice(11, 23)),
    style.paint(EVENT_PAINT[event.type] ?? "blue", event.type.padEnd(widths.type)),
    (event.taskId ?? "").padEnd(widths.task),
    (event.agentId ?? "").padEnd(widths.agent),
    eventMove(event).padEnd(widths.move),
    event.details,
  ]
    .join(" ")
    .trimEnd();
}

const EVENT_PAINT: Partial<Record<BoardEvent["type"], Paint>> = {
  CLAIMED: "yellow",
  COMPLETED: "green",
  FAILED: "magenta",
  RETRY_SCHEDULED: "cyan",
  TIMEOUT: "red",
  POISON_PILL: "red",
  AGENT_DEAD: "red",
  LOCK_BROKEN: "red",
  CANCELLED: "grey",
};

export function eventTable(events: readonly BoardEvent[], style: Style, first = true): string {
  if (events.length === 0) return first ? "no events" : "";
  const widths = eventWidths(events);
  return events.map((e) => eventLine(e, style, widths)).join("\n");
}

/** The task with every string a writer chose made safe for a terminal (escape.ts). */
function printableTask(task: Task): Task {
  const line = (text: string) => printable(text);
  return {
    ...task,
    id: line(task.id),
    title: line(task.title),
    description: printable(task.description, { multiline: true }),
    result: task.result === null ? null : printable(task.result, { multiline: true }),
    lastError: task.lastError === null ? null : line(task.lastError),
    assignedTo: task.assignedTo === null ? null : line(task.assignedTo),
    createdBy: task.createdBy === null ? null : line(task.createdBy),
    needs: task.needs.map(line),
    dependsOn: task.dependsOn.map(line),
  };
}

function printableEvent(event: BoardEvent): BoardEvent {
  return {
    ...event,
    taskId: event.taskId === null ? null : printable(event.taskId),
    agentId: event.agentId === null ? null : printable(event.agentId),
    details: printable(event.details),
  };
}

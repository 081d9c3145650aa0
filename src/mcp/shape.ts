/**
 * What a tool result says about a task or an event. Agents pay for every token they read (a
 * peer's list tool was seen returning 41k tokens), so lists answer in the compact shape unless
 * the caller asks for `detail: "full"`. Field names are SPEC §1's, in snake_case, like the
 * CLI's `--json`.
 */
import { assertNever } from "../core/exhaustive.js";
import { eventToWire, taskToWire } from "../core/wire-shape.js";
import type { BoardEvent, Task } from "../core/task.js";

export const Detail = { compact: "compact", full: "full" } as const;
export type Detail = (typeof Detail)[keyof typeof Detail];

export type TaskJson = Record<string, unknown>;

/** Every field of the task (SPEC §1), as the CLI's `--json` prints it. */
export const fullTask = (task: Task): TaskJson => taskToWire(task);

/**
 * Enough to choose a task: who has it and what it waits for. Empty and null fields are left
 * out (a 100-task page is ~60 tokens a task instead of ~250).
 */
export function compactTask(task: Task): TaskJson {
  const shape: TaskJson = {
    id: task.id,
    title: task.title,
    status: task.status,
    priority: task.priority,
    assigned_to: task.assignedTo,
  };
  if (task.needs.length > 0) shape.needs = task.needs;
  if (task.dependsOn.length > 0) shape.depends_on = task.dependsOn;
  if (task.status === "in_progress") shape.lease_expires_at = task.leaseExpiresAt;
  if (task.status === "failed") shape.next_attempt_at = task.nextAttemptAt;
  if (task.lastError !== null && task.status !== "completed") shape.last_error = task.lastError;
  return shape;
}

export function taskShape(task: Task, detail: Detail): TaskJson {
  switch (detail) {
    case Detail.compact:
      return compactTask(task);
    case Detail.full:
      return fullTask(task);
    default:
      return assertNever(detail, "detail level");
  }
}

export function eventShape(event: BoardEvent, detail: Detail): Record<string, unknown> {
  const { data, ...shape } = eventToWire(event);
  switch (detail) {
    case Detail.compact:
      return shape;
    case Detail.full:
      return { ...shape, data };
    default:
      return assertNever(detail, "detail level");
  }
}

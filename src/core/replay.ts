/**
 * Replay (SPEC §3.4, `baton replay`): each task's events folded in seq order rebuild the task
 * they describe, because a task event's data holds exactly the fields the change set (the
 * whole task for CREATED, see events.ts). The rebuilt task is compared with the stored one,
 * field by field. Pure: the board feeds it events page by page and the stored tasks.
 */
import type { BoardEvent, Task } from "./task.js";

/** Every field of a task, the keys a task event's data may set. */
export const TASK_FIELDS = [
  "id",
  "title",
  "description",
  "metadata",
  "result",
  "status",
  "priority",
  "needs",
  "dependsOn",
  "assignedTo",
  "leaseToken",
  "leaseExpiresAt",
  "attempts",
  "maxAttempts",
  "nextAttemptAt",
  "lastError",
  "createdAt",
  "updatedAt",
  "createdBy",
  "version",
] as const satisfies readonly (keyof Task)[];
// A field added to Task and not listed above fails to compile here.
const allFieldsListed: Exclude<keyof Task, (typeof TASK_FIELDS)[number]> extends never ? true : never = true;
void allFieldsListed;

const FIELD_SET: ReadonlySet<string> = new Set(TASK_FIELDS);

/** One field where the stored task and its replay disagree; `null` task: it does not exist there. */
export interface ReplayDifference {
  taskId: string;
  field: string;
  stored: unknown;
  replayed: unknown;
}

export interface ReplayReport {
  tasks: number;
  events: number;
  differences: ReplayDifference[];
}

/** The task fields an event sets (facts of other events, a NOTE's text, are not task fields). */
function fieldsOf(event: Pick<BoardEvent, "data">): [string, unknown][] {
  return Object.entries(event.data).filter(([key]) => FIELD_SET.has(key));
}

/** Fold a task's events (in seq order) back into the task they describe. */
export function replayTask(events: readonly Pick<BoardEvent, "data">[]): Task | null {
  let task: Record<string, unknown> | null = null;
  for (const event of events) {
    const fields = fieldsOf(event);
    if (fields.length > 0) task = Object.assign(task ?? {}, Object.fromEntries(fields));
  }
  return task as Task | null;
}

/** Folds a whole trail, one event at a time, into every task it describes. */
export class ReplayFold {
  private readonly tasks = new Map<string, Record<string, unknown>>();
  private events = 0;

  add(event: BoardEvent): void {
    if (event.taskId === null) return;
    const fields = fieldsOf(event);
    if (fields.length === 0) return;
    this.events++;
    const task = this.tasks.get(event.taskId) ?? {};
    for (const [key, value] of fields) task[key] = value;
    this.tasks.set(event.taskId, task);
  }

  /** Whether the trail describes this task. */
  knows(taskId: string): boolean {
    return this.tasks.has(taskId);
  }

  /**
   * Compares with the stored tasks. `ids`: only these tasks (a task named but neither stored
   * nor in the trail is not a difference; the caller reports it as not found). Without ids:
   * every task on either side.
   */
  compare(stored: readonly Task[], ids?: readonly string[]): ReplayReport {
    const storedById = new Map(stored.map((t) => [t.id, t]));
    const names = ids ?? [...new Set([...storedById.keys(), ...this.tasks.keys()])].sort();
    const differences: ReplayDifference[] = [];
    for (const id of names) differences.push(...taskDifferences(id, storedById.get(id), this.tasks.get(id)));
    return { tasks: names.length, events: this.events, differences };
  }
}

export function taskDifferences(taskId: string, stored: Task | undefined, replayed: Record<string, unknown> | undefined): ReplayDifference[] {
  if (!stored && !replayed) return [];
  if (!stored) return [{ taskId, field: "(task)", stored: null, replayed: "exists in the audit trail" }];
  if (!replayed) return [{ taskId, field: "(task)", stored: "exists", replayed: null }];
  const differences: ReplayDifference[] = [];
  for (const field of TASK_FIELDS) {
    const a = stored[field] ?? null;
    // A trail from before task versions never sets one; those tasks start at 1 (SQLite
    // migration 4, PostgreSQL schema 5, the JSON store's default), and later events carry it.
    const b = replayed[field] ?? (field === "version" ? 1 : null);
    if (a === b || JSON.stringify(a) === JSON.stringify(b)) continue;
    differences.push({ taskId, field, stored: a, replayed: b });
  }
  return differences;
}

import { toIso } from "./time.js";
import type { EventType, NewEvent, Task } from "./task.js";

/**
 * The audit event for a task change. Its data holds exactly the fields that changed (the whole
 * task for CREATED), so replaying a task's events reproduces its stored state.
 */
export function taskEvent(
  before: Task | null,
  after: Task,
  type: EventType,
  agentId: string | null,
  details: string,
  nowMs: number,
): NewEvent {
  return {
    at: toIso(nowMs),
    type,
    taskId: after.id,
    agentId,
    from: before?.status ?? null,
    to: after.status,
    details,
    data: before ? changedFields(before, after) : { ...after },
  };
}

export function changedFields(before: Task, after: Task): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof Task)[]) {
    const was = before[key];
    const is = after[key];
    if (was === is) continue;
    // Lists and metadata: equal content is no change (a transition usually keeps the same
    // reference, so this runs rarely; it was 3 % of a claim as a stringify of every field).
    if (typeof was === "object" && typeof is === "object" && JSON.stringify(was) === JSON.stringify(is)) continue;
    changed[key] = is;
  }
  return changed;
}

export { replayTask } from "./replay.js";

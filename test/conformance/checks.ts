/**
 * Invariants read back from a board: who held each task when (from the audit trail), lease
 * tokens, lease/status consistency, and replay of each task's events. Races, crashes and the
 * property test all end with these.
 */
import { expect } from "vitest";
import { checkHolding } from "../../src/core/holding.js";
import { ReplayFold, replayTask } from "../../src/index.js";
import type { HoldingReport } from "../../src/core/holding.js";
import type { Board, BoardEvent, Task } from "../../src/index.js";

export type { HoldingReport };

/**
 * The single-holder check of src/core/holding.ts (the demo runs the same one): throws with the
 * offending events if any task was claimed while held, or left in_progress without a claim.
 */
export function checkSingleHolder(events: readonly BoardEvent[]): HoldingReport {
  const report = checkHolding(events);
  if (report.violations.length > 0) throw new Error(report.violations.slice(0, 5).join("; "));
  return report;
}

/** Lease tokens of CLAIMED events, in commit order, strictly increase. */
export function checkTokensIncrease(events: readonly BoardEvent[]): number[] {
  const tokens = events.filter((e) => e.type === "CLAIMED").map((e) => e.data.leaseToken as number);
  for (let i = 1; i < tokens.length; i++) {
    if (!((tokens[i] as number) > (tokens[i - 1] as number))) {
      throw new Error(`lease token ${tokens[i]} after ${tokens[i - 1]}: not strictly increasing`);
    }
  }
  return tokens;
}

/** in_progress ⇔ a live lease: holder, token and expiry set; any other status has no lease expiry. */
export function checkLeaseConsistency(tasks: readonly Task[]): void {
  for (const task of tasks) {
    const held = task.status === "in_progress";
    const consistent = held
      ? task.assignedTo !== null && task.leaseToken !== null && task.leaseExpiresAt !== null
      : task.leaseExpiresAt === null;
    if (!consistent) {
      throw new Error(
        `${task.id} is ${task.status} with assignedTo=${task.assignedTo} leaseToken=${task.leaseToken} leaseExpiresAt=${task.leaseExpiresAt}`,
      );
    }
  }
}

/** Folding each task's events reproduces the stored task exactly. */
export function expectReplayMatches(tasks: readonly Task[], events: readonly BoardEvent[]): void {
  const byTask = new Map<string, BoardEvent[]>();
  for (const event of events) {
    if (event.taskId === null) continue;
    const list = byTask.get(event.taskId) ?? [];
    list.push(event);
    byTask.set(event.taskId, list);
  }
  expect([...byTask.keys()].sort()).toEqual(tasks.map((t) => t.id).sort());
  for (const task of tasks) expect(replayTask(byTask.get(task.id) ?? [])).toEqual(task);
  // The same fold `baton replay` runs, over the whole trail at once.
  const fold = new ReplayFold();
  for (const event of events) fold.add(event);
  expect(fold.compare(tasks).differences).toEqual([]);
}

/** Every invariant at once, from one read of the board. */
export async function checkBoard(board: Board): Promise<{ tasks: Task[]; events: BoardEvent[]; report: HoldingReport }> {
  const tasks = await board.list();
  const events = await board.audit();
  const report = checkSingleHolder(events);
  checkTokensIncrease(events);
  checkLeaseConsistency(tasks);
  expectReplayMatches(tasks, events);
  const replay = await board.replay();
  expect(replay.differences).toEqual([]);
  expect(replay.tasks).toBe(tasks.length);
  return { tasks, events, report };
}

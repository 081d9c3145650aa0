/**
 * Invariants read back from a board: who held each task when (from the audit trail), lease
 * tokens, lease/status consistency, and replay of each task's events. Races, crashes and the
 * property test all end with these.
 */
import { expect } from "vitest";
import { ReplayFold, replayTask } from "../../src/index.js";
import type { Board, BoardEvent, Task } from "../../src/index.js";

export interface HoldingReport {
  /** CLAIMED events per task id. */
  claims: Map<string, number>;
  /** COMPLETED events per task id. */
  completions: Map<string, number>;
}

/**
 * Walks each task's events in commit order: a claim opens a holding interval, the event that
 * moves the task out of in_progress closes it. A claim while an interval is open would mean two
 * agents held the task at once. Throws with the offending events.
 */
export function checkSingleHolder(events: readonly BoardEvent[]): HoldingReport {
  const holder = new Map<string, { agent: string | null; seq: number }>();
  const claims = new Map<string, number>();
  const completions = new Map<string, number>();
  let previousSeq = 0;
  for (const event of events) {
    if (event.seq <= previousSeq) throw new Error(`event seq ${event.seq} after ${previousSeq}: not increasing`);
    previousSeq = event.seq;
    const id = event.taskId;
    if (id === null) continue;
    const open = holder.get(id);
    if (event.type === "CLAIMED") {
      if (open) {
        throw new Error(
          `${id} claimed by ${event.agentId} (seq ${event.seq}) while held by ${open.agent} since seq ${open.seq}`,
        );
      }
      if (event.from !== "pending" || event.to !== "in_progress") {
        throw new Error(`${id} CLAIMED at seq ${event.seq} went ${event.from} → ${event.to}`);
      }
      holder.set(id, { agent: event.agentId, seq: event.seq });
      claims.set(id, (claims.get(id) ?? 0) + 1);
      continue;
    }
    if (event.from === "in_progress") {
      if (!open) throw new Error(`${id} left in_progress at seq ${event.seq} (${event.type}) without a claim`);
      if (event.to !== "in_progress") holder.delete(id);
    } else if (event.to === "in_progress") {
      throw new Error(`${id} entered in_progress at seq ${event.seq} by ${event.type}, not by a claim`);
    }
    if (event.type === "COMPLETED") completions.set(id, (completions.get(id) ?? 0) + 1);
  }
  return { claims, completions };
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

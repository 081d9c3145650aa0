/**
 * One read of a board after a scenario, checked the way the conformance suite checks it (the
 * single-holder walk of src/core/holding.ts, lease/status consistency, replay of each task's
 * events) but counting faults instead of throwing, so the suite can print them.
 */
import { isDeepStrictEqual } from "node:util";
import { checkHolding } from "../../src/core/holding.js";
import { openBoard, replayTask } from "../../src/index.js";
import type { HoldingReport } from "../../src/core/holding.js";
import type { BoardEvent, Task } from "../../src/index.js";

export interface ReadBack {
  /** False when the board could not be opened or read: a corrupt board. */
  readable: boolean;
  error?: string;
  tasks: Task[];
  events: BoardEvent[];
  holding: HoldingReport;
  /** Tasks whose events do not fold back to the stored task (an event missing or extra). */
  replayMismatches: number;
  /** Tasks in_progress without a lease, or holding a lease expiry in another status. */
  leaseInconsistent: number;
  /** CLAIMED tokens not strictly increasing in commit order. */
  tokenReuses: number;
}

export async function readBack(url: string): Promise<ReadBack> {
  let tasks: Task[];
  let events: BoardEvent[];
  try {
    const board = await openBoard(url);
    tasks = await board.list();
    events = await board.audit();
    await board.close();
  } catch (error) {
    const empty = { claims: new Map(), completions: new Map(), violations: [] };
    return { readable: false, error: String(error), tasks: [], events: [], holding: empty, replayMismatches: 0, leaseInconsistent: 0, tokenReuses: 0 };
  }
  const byTask = new Map<string, BoardEvent[]>();
  for (const event of events) {
    if (event.taskId === null) continue;
    const list = byTask.get(event.taskId) ?? [];
    list.push(event);
    byTask.set(event.taskId, list);
  }
  const ids = new Set(tasks.map((t) => t.id));
  const replayMismatches =
    tasks.filter((t) => !isDeepStrictEqual(replayTask(byTask.get(t.id) ?? []), t)).length +
    [...byTask.keys()].filter((id) => !ids.has(id)).length;
  const leaseInconsistent = tasks.filter((t) =>
    t.status === "in_progress"
      ? t.assignedTo === null || t.leaseToken === null || t.leaseExpiresAt === null
      : t.leaseExpiresAt !== null,
  ).length;
  const tokens = events.filter((e) => e.type === "CLAIMED").map((e) => e.data.leaseToken as number);
  const tokenReuses = tokens.filter((t, i) => i > 0 && !(t > (tokens[i - 1] as number))).length;
  return { readable: true, tasks, events, holding: checkHolding(events), replayMismatches, leaseInconsistent, tokenReuses };
}

/**
 * The "oldest ready task" of `baton health` (health.ts): the ready task that has waited longest
 * since its last change (created, released, retried; a dependency completing does not touch
 * it), without reading every pending task. Reading them all made `baton health --no-integrity`
 * take 40 s and 1.3 GB on a 450,000-task SQLite board here (load ~40); with this walk it takes
 * 0.5 s and 74 MB (one page), and 1.8 s where the first 5,000 tasks are all blocked (five pages:
 * each page of pending tasks in creation order costs SQLite a pass over its pending indexes,
 * so the pages are large and few; smaller pages of 500 made that case 2–3 s).
 *
 * Pending tasks are walked in creation order (the stores' list order, keyset pages). A task's
 * last change is never before its creation, so once the walk reaches a task created at or
 * after the best candidate's last change, no later task can have waited longer: the answer
 * is exact. The walk reads at most `most` tasks; a board whose oldest tasks are all blocked
 * or recently released past that gets the best found so far, marked as such. A task last
 * changed by a process whose clock ran behind its creator's can be passed over (it is only
 * shown, the check never fails).
 */
import { unfinishedDependencies } from "../core/selection.js";
import { dependencyStatuses } from "./transaction-steps.js";
import type { Task } from "../core/task.js";
import type { StoreReader, TaskKey } from "../store/store.js";

/** Pending tasks read at most, in pages of PAGE (see the figures above). */
export const OLDEST_READY_WALK = 5_000;
const PAGE = 1_000;

export interface OldestReady {
  task: Task | undefined;
  /** Pending tasks read. */
  walked: number;
  /** False when the walk stopped at its bound: a task further on may have waited longer. */
  exact: boolean;
}

export async function oldestReady(tx: StoreReader, bounds: { most?: number; page?: number } = {}): Promise<OldestReady> {
  const most = bounds.most ?? OLDEST_READY_WALK;
  const pageSize = bounds.page ?? PAGE;
  let best: Task | undefined;
  let walked = 0;
  let after: TaskKey | undefined;
  // Nothing created at or after the best one's last change waited longer (see above).
  const pastBest = (task: Task): boolean => best !== undefined && task.createdAt >= best.updatedAt;
  for (;;) {
    const limit = Math.min(pageSize, most - walked);
    const page = await tx.listTasks({ statuses: ["pending"], ...(after && { after }), limit });
    const statuses = await dependencyStatuses(tx, page);
    for (const task of page) {
      if (pastBest(task)) return { task: best, walked, exact: true };
      walked++;
      const ready = unfinishedDependencies(task, statuses).length === 0;
      if (ready && (best === undefined || task.updatedAt < best.updatedAt)) best = task;
    }
    const last = page.at(-1);
    if (last === undefined || page.length < limit) return { task: best, walked, exact: true };
    after = { createdAt: last.createdAt, id: last.id };
    if (walked >= most) {
      const [next] = await tx.listTasks({ statuses: ["pending"], after, limit: 1 });
      return { task: best, walked, exact: next === undefined || pastBest(next) };
    }
  }
}

/**
 * The ready set in claim order, walked from a keyset position: the store hands out pending
 * tasks in claim order a window at a time (Store.pendingInClaimOrder, an index walk), the
 * board keeps those whose dependencies are all completed (and, for an agent, whose needs it
 * has), and walks on until it has what it wants. Due retries (failed tasks the next claim
 * turns pending) are merged in their place. A page of a 450,000-task board thus reads about
 * the page, not the board (test/board/ready-walk-reads.test.ts counts the rows); a board
 * whose best pending tasks are all blocked is walked until enough ready ones turn up.
 */
import { compareClaimKeys, claimKeyOf, mayTake, unfinishedDependencies } from "../core/selection.js";
import { toIso } from "../core/time.js";
import { capabilitiesOf } from "./agents.js";
import { sortForClaim } from "./paging.js";
import { asPromoted, dependencyStatuses } from "./transaction-steps.js";
import type { ClaimKey } from "../core/selection.js";
import type { Task } from "../core/task.js";
import type { StoreReader } from "../store/store.js";
import type { BoardContext } from "./context.js";

/**
 * The largest window read at once when the first ones held too few ready tasks (each window
 * doubles from the number wanted): large enough that a walk past 100,000 blocked tasks takes
 * few round trips, small enough that one window's rows stay a few MB.
 */
const WINDOW_MAX = 4_096;

/**
 * Due retries are read whole (by retry time, not claim order) and merged: they are failed
 * tasks whose retry time passed since the last claim or heal, which promote them, so few.
 */
const DUE_RETRIES_READ = 100_000;

export interface ReadyWalk {
  agent: string | undefined;
  capabilities: readonly string[] | undefined;
  /** Only tasks after this key (a ready cursor). */
  after?: ClaimKey;
  /** How many ready tasks to return at most. */
  want: number;
}

/** Up to `want` ready tasks after `after`, best first (compareForClaim's order). */
export async function walkReady(ctx: BoardContext, tx: StoreReader, walk: ReadyWalk): Promise<Task[]> {
  const { agent, after, want } = walk;
  const now = await ctx.now(tx);
  const capabilities = await capabilitiesOf(tx, agent, walk.capabilities);
  const takeable = (t: Task): boolean => agent === undefined || mayTake(t, agent, capabilities);
  const keyOf = (t: Task): ClaimKey => claimKeyOf(t, agent);
  const isAfter = (t: Task, key: ClaimKey | undefined): boolean => key === undefined || compareClaimKeys(keyOf(t), key) > 0;
  const unblocked = async (tasks: readonly Task[]): Promise<Task[]> => {
    const statuses = await dependencyStatuses(tx, tasks);
    return tasks.filter((t) => unfinishedDependencies(t, statuses).length === 0);
  };

  const due = await unblocked(
    (await tx.dueRetries(toIso(now), DUE_RETRIES_READ)).map(asPromoted).filter((t) => takeable(t) && isAfter(t, after)),
  );
  const found: Task[] = [];
  let position = after;
  for (let size = Math.min(want, WINDOW_MAX); ; size = Math.min(size * 2, WINDOW_MAX)) {
    const window = await tx.pendingInClaimOrder({
      ...(agent !== undefined && { agentId: agent }),
      ...(position && { after: position }),
      limit: size,
    });
    found.push(...(await unblocked(window.filter(takeable))));
    const last = window[window.length - 1];
    if (last) position = keyOf(last);
    const walkedAll = window.length < size;
    // Due retries beyond the walked position may still have pending tasks before them.
    const dueWithin = walkedAll ? due : due.filter((t) => !isAfter(t, position));
    if (walkedAll || found.length + dueWithin.length >= want) {
      return sortForClaim([...found, ...dueWithin], agent).slice(0, want);
    }
  }
}

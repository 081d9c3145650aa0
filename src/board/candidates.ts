/** Walking claim candidates in claim order until one is ready for this agent. */
import { firstReady } from "./transaction-steps.js";
import { PRIORITY_RANK } from "../core/task.js";
import type { Priority, Task } from "../core/task.js";
import type { StoreReader } from "../store/store.js";

/** Candidates examined per page when the best ones are blocked by dependencies. */
const CANDIDATE_PAGE = 16;

/**
 * The best ready task for this agent, walking candidates in claim order; with `minPriority`,
 * only tasks of at least that priority (the walk stops at the first unreserved task below it:
 * candidates come reserved first, then by priority).
 */
export async function pickBest(
  tx: StoreReader,
  agent: string,
  capabilities: readonly string[],
  minPriority?: Priority,
): Promise<Task | null> {
  const maxRank = minPriority === undefined ? Infinity : PRIORITY_RANK[minPriority];
  // The first page holds one task: usually the best candidate is ready, and reading a task
  // row costs ~10 µs (20 columns), so a first page of 16 made the claim query ~5x dearer.
  for (let offset = 0, size = 1; ; offset += size, size = CANDIDATE_PAGE) {
    const page = await tx.claimCandidates(agent, size, offset);
    const high = minPriority === undefined ? page : page.filter((t) => PRIORITY_RANK[t.priority] <= maxRank);
    const found = await firstReady(tx, high, agent, capabilities);
    if (found) return found;
    if (page.length < size) return null;
    if (page.some((t) => t.assignedTo !== agent && PRIORITY_RANK[t.priority] > maxRank)) return null;
  }
}

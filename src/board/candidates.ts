/** Walking claim candidates in claim order until one is ready for this agent. */
import { firstReady } from "./transaction-steps.js";
import type { Task } from "../core/task.js";
import type { StoreReader } from "../store/store.js";

/** Candidates examined per page when the best ones are blocked by dependencies. */
const CANDIDATE_PAGE = 16;

/** The best ready task for this agent, walking candidates in claim order. */
export async function pickBest(
  tx: StoreReader,
  agent: string,
  capabilities: readonly string[],
): Promise<Task | null> {
  // The first page holds one task: usually the best candidate is ready, and reading a task
  // row costs ~10 µs (20 columns), so a first page of 16 made the claim query ~5x dearer.
  for (let offset = 0, size = 1; ; offset += size, size = CANDIDATE_PAGE) {
    const page = await tx.claimCandidates(agent, size, offset);
    const found = await firstReady(tx, page, agent, capabilities);
    if (found) return found;
    if (page.length < size) return null;
  }
}

/**
 * What every board operation is given by src/board.ts: the store, the resolved policy, the
 * time it acts at and the jitter source. board.ts makes the one `now`, so the clock is read
 * in one place; the operations under src/board/ only call it.
 */
import { checkAgentId, parseInput, positiveIntSchema } from "../core/validation.js";
import type { BoardPolicy } from "../core/policy.js";
import type { Store, StoreReader } from "../store/store.js";
import type { EditBy } from "./types.js";

export interface BoardContext {
  readonly store: Store;
  readonly policy: BoardPolicy;
  /**
   * The time an operation acts at: call it once the transaction has begun (after any wait for
   * the write lock), so a lease is never judged on a time from before the wait.
   */
  now(tx?: StoreReader): Promise<number>;
  /** In [0, 1): the retry jitter. */
  random(): number;
}

/** The agent a change is recorded against, checked; null when none is named. */
export function actorOf(by: { agent?: string }): string | null {
  return by.agent === undefined ? null : checkAgentId(by.agent);
}

export function expectedVersionOf(by: EditBy): number | undefined {
  return by.expectedVersion === undefined
    ? undefined
    : parseInput(positiveIntSchema("the expected version"), by.expectedVersion, "expected version");
}

/**
 * A plain library process with a timer, whose write meets a board another process holds
 * locked: it opens the board, prints "ready", and on "go" starts one add while a timer ticks
 * every tickMs. It reports each tick's lateness and whether the add was still waiting then,
 * and the task its add wrote. Started by test/sqlite/sqlite-long-running.test.ts.
 */
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";
import type { LockWait } from "../../src/index.js";

interface Spec {
  url: string;
  tickMs: number;
  lockWait?: LockWait;
}

export interface LockedTimerResult {
  /** One per tick while the add waited: ms after its due time that it fired. */
  latenessWhileWaiting: number[];
  addedId: string;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url, { create: false, ...(spec.lockWait && { lockWait: spec.lockWait }) });
  await board.add({ title: "opened and warm" });
  await waitForGo();
  const latenessWhileWaiting: number[] = [];
  let waiting = true;
  let due = performance.now() + spec.tickMs;
  const timer = setInterval(() => {
    const now = performance.now();
    if (waiting) latenessWhileWaiting.push(now - due);
    due = now + spec.tickMs;
  }, spec.tickMs);
  const added = await board.add({ title: "written once the lock frees" });
  waiting = false;
  clearInterval(timer);
  await board.close();
  reportResult({ latenessWhileWaiting, addedId: added.id } satisfies LockedTimerResult);
}

main().catch(exitOnError);

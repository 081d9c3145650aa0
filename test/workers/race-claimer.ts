/**
 * Race worker: claims and completes tasks through the library until nothing is ready, then
 * reports the ids it completed. Started by the conformance suite's race test.
 */
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  leaseSeconds: number;
  /** SQLite only (src/store/sqlite/turn.ts); the store's default when absent. */
  lockHandOver?: "turns" | "ring";
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url, spec.lockHandOver ? { lockHandOver: spec.lockHandOver } : {});
  await waitForGo();
  const completed: string[] = [];
  for (;;) {
    let claim;
    try {
      claim = await board.claim({ agent: spec.agent, leaseSeconds: spec.leaseSeconds });
    } catch (error) {
      if ((error as { code?: string }).code === "NOTHING_READY") break;
      throw error;
    }
    await board.complete(claim.task.id, { token: claim.leaseToken, result: `done by ${spec.agent}` });
    completed.push(claim.task.id);
  }
  await board.close();
  reportResult({ completed });
}

main().catch(exitOnError);

/**
 * Race worker: claims and completes tasks through the library until nothing is ready, then
 * reports the ids it completed. Started by the conformance suite's race test, and by
 * test/sqlite/local-writer.test.ts with `localWriter` (its writes through the board's local
 * writer, which that test may SIGKILL: a write whose answer died with it is counted, not retried).
 */
import { openBoard } from "../../src/index.js";
import { localWriterCounts } from "../../src/local-writer/client.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  leaseSeconds: number;
  /** SQLite only (src/store/sqlite/turn.ts); the store's default when absent. */
  lockHandOver?: "turns" | "ring";
  localWriter?: boolean;
}

const answerLost = (error: unknown): boolean => (error as { code?: string }).code === "STORE_UNAVAILABLE";

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url, {
    ...(spec.lockHandOver && { lockHandOver: spec.lockHandOver }),
    ...(spec.localWriter && { localWriter: true }),
  });
  await waitForGo();
  const completed: string[] = [];
  let lostClaims = 0;
  let lostCompletions = 0;
  for (;;) {
    let claim;
    try {
      claim = await board.claim({ agent: spec.agent, leaseSeconds: spec.leaseSeconds });
    } catch (error) {
      if ((error as { code?: string }).code === "NOTHING_READY") break;
      if (spec.localWriter && answerLost(error)) {
        lostClaims++;
        continue;
      }
      throw error;
    }
    try {
      await board.complete(claim.task.id, { token: claim.leaseToken, result: `done by ${spec.agent}` });
    } catch (error) {
      if (spec.localWriter && answerLost(error)) {
        lostCompletions++;
        continue;
      }
      throw error;
    }
    completed.push(claim.task.id);
  }
  const counts = localWriterCounts(board);
  await board.close();
  reportResult({ completed, ...(counts && { counts, lostClaims, lostCompletions }) });
}

main().catch(exitOnError);

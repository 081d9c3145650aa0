/** Bench worker: claim → complete on a PostgreSQL board until nothing is ready. */
import { openBoard } from "../../src/index.js";
import { reportResult, waitForGo } from "../../test/workers/barrier.js";

const spec = JSON.parse(process.argv[2] as string) as { url: string; agent: string; warmup: number };
const board = await openBoard(spec.url);
// Warm-up cycles before the barrier (the bench added tasks for them): the first ones compile
// modules and prepare statements, as the pg-boss worker's do. Not timed, on either side.
for (let i = 0; i < spec.warmup; i++) {
  const warm = await board.claim({ agent: spec.agent, leaseSeconds: 600 });
  await board.complete(warm.task.id, { token: warm.leaseToken, result: "ok" });
}
await waitForGo();
let done = 0;
for (;;) {
  let claim;
  try {
    claim = await board.claim({ agent: spec.agent, leaseSeconds: 600 });
  } catch (error) {
    if ((error as { code?: string }).code === "NOTHING_READY") break;
    throw error;
  }
  await board.complete(claim.task.id, { token: claim.leaseToken, result: "ok" });
  done++;
}
await board.close();
reportResult({ done });

/** Bench worker: claim → complete on a PostgreSQL board until nothing is ready. */
import { openBoard } from "../../src/index.js";
import { report, waitForGo } from "./spawn.js";

const spec = JSON.parse(process.argv[2] as string) as { url: string; agent: string };
const board = await openBoard(spec.url);
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
report({ done });

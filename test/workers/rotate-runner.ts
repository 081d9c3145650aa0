/** Crash worker: runs one `audit rotate` (to the board's default archive folder) and reports how long it took. */
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  before: string;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  await waitForGo();
  const started = performance.now();
  const report = await board.rotateAudit({ before: spec.before });
  const ms = performance.now() - started;
  await board.close();
  reportResult({ ms, count: report.archive?.count ?? 0 });
}

main().catch(exitOnError);

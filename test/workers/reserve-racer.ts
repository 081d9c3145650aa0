/** Race worker: reserves ids in batches of 1..3 and reports every id it was given. */
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  prefix: string;
  /** Batch sizes, one reserve call each. */
  batches: number[];
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  await waitForGo();
  const ids: string[] = [];
  for (const n of spec.batches) ids.push(...(await board.reserve(spec.prefix, n, { agent: spec.agent })).ids);
  await board.close();
  reportResult({ ids });
}

main().catch(exitOnError);

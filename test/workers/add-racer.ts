/** Race worker: adds `count` tasks one transaction each and reports the ids it got. */
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  count: number;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  await waitForGo();
  const ids: string[] = [];
  for (let i = 0; i < spec.count; i++) {
    ids.push((await board.add({ title: `${spec.agent} #${i}` }, { agent: spec.agent })).id);
  }
  await board.close();
  reportResult({ ids });
}

main().catch(exitOnError);

/**
 * A baton agent sharing a tasks.json with hand-following agents (test/interop/hand-agent.sh):
 * adds `adds` tasks, then claims and completes until `expect` tasks are completed, printing
 * "completed ID" for each task it finished.
 */
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  adds: number;
  expect: number;
  /** Files the hand agents create once their adds are done: claims wait for them (below). */
  handsReady?: string[];
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  await waitForGo();
  for (let i = 1; i <= spec.adds; i++) await board.add({ title: `${spec.agent} task ${i}` }, { agent: spec.agent });
  // Both sides claim from the same start: on a loaded machine the baton agents otherwise took
  // every task while the bash+jq agents were still adding theirs, and the race proved nothing.
  const deadline = Date.now() + 120_000;
  while (!(spec.handsReady ?? []).every((f) => existsSync(f)) && Date.now() < deadline) await sleep(10);
  const completed: string[] = [];
  for (;;) {
    let claim;
    try {
      claim = await board.claim({ agent: spec.agent });
    } catch (error) {
      if ((error as { code?: string }).code !== "NOTHING_READY") throw error;
      if ((await board.stats()).completed >= spec.expect) break;
      await sleep(20);
      continue;
    }
    await sleep(Math.random() * 10); // the work
    await board.complete(claim.task.id, { token: claim.leaseToken, result: `done by ${spec.agent}` });
    completed.push(claim.task.id);
    process.stdout.write(`completed ${claim.task.id}\n`);
  }
  await board.close();
  reportResult({ completed });
}

main().catch(exitOnError);

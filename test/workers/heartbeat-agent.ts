/**
 * An agent that claims one task and heartbeats it every `heartbeatMs` with a short lease until
 * it is killed: the test SIGKILLs it and a running monitor must recover the task.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { openBoard } from "../../src/index.js";
import { exitOnError, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  leaseSeconds: number;
  heartbeatMs: number;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  await waitForGo();
  const claim = await board.claim({ agent: spec.agent, leaseSeconds: spec.leaseSeconds });
  process.stdout.write(`claimed ${claim.task.id}\n`);
  for (;;) {
    await sleep(spec.heartbeatMs);
    await board.heartbeat(claim.task.id, { token: claim.leaseToken, leaseSeconds: spec.leaseSeconds });
  }
}

main().catch(exitOnError);

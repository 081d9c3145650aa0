/**
 * JSON crash worker: writes as fast as it can — add a task, claim one, complete it — printing
 * each change once it is committed, until the test SIGKILLs it at a random instant.
 */
import { openBoard } from "../../src/index.js";
import { exitOnError, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  process.stdout.write("ready\n");
  for (let i = 0; i < 10_000; i++) {
    const task = await board.add({ title: `${spec.agent} #${i}` }, { agent: spec.agent });
    process.stdout.write(`added ${task.id}\n`);
    const claim = await board.claim({ agent: spec.agent });
    await board.complete(claim.task.id, { token: claim.leaseToken });
    process.stdout.write(`completed ${claim.task.id}\n`);
  }
}

main().catch(exitOnError);

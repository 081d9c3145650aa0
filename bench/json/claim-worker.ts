/**
 * One benchmark agent on a JSON board: claim + complete in a loop until the deadline or until
 * nothing is ready, then report its pairs and every wait for tasks.lock.
 */
import { createInterface } from "node:readline";
import { Board } from "../../src/board.js";
import { JsonStore, openJsonStore } from "../../src/store/json/json-store.js";
import type { Durability } from "../../src/store/store.js";

interface Spec {
  path: string;
  durability: Durability;
  agent: string;
  durationMs: number;
}

const spec = JSON.parse(process.argv[2] as string) as Spec;
const store = (await openJsonStore(spec.path, { durability: spec.durability })) as JsonStore;
const board = new Board(store);
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.once("line", () => resolve()));
process.stdout.write("ready\n");
await go;
lines.close();
const started = performance.now();
let pairs = 0;
while (performance.now() - started < spec.durationMs) {
  let claim;
  try {
    claim = await board.claim({ agent: spec.agent });
  } catch (error) {
    if ((error as { code?: string }).code === "NOTHING_READY") break;
    throw error;
  }
  await board.complete(claim.task.id, { token: claim.leaseToken });
  pairs++;
}
const elapsedMs = performance.now() - started;
await board.close();
process.stdout.write(`result ${JSON.stringify({ pairs, elapsedMs, lockWaitsMs: store.lockWaitsMs })}\n`);

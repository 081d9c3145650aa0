/** Race worker: appends its entries to the inbox under the inbox's lock, a few at a time. */
import { appendToInbox } from "../../src/board/inbox.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  path: string;
  batches: unknown[][];
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  await waitForGo();
  for (const batch of spec.batches) {
    await appendToInbox(spec.path, batch);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
  }
  reportResult({ appended: spec.batches.flat().length });
}

main().catch(exitOnError);

/**
 * Race worker: one webhook deliverer. After the start line it adds `adds` tasks (one CREATED
 * event each, for the hook to deliver) between delivery rounds, then keeps delivering until the
 * hook's cursor reaches `untilSeq`. Reports how many events it delivered itself.
 */
import { openBoard } from "../../src/index.js";
import { Deliverer } from "../../src/webhooks/deliverer.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  hookId: number;
  adds: number;
  untilSeq: number;
  deadlineMs: number;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  const deliverer = new Deliverer(board.store, { id: spec.agent, timeoutMs: 5_000 });
  await waitForGo();
  const deadline = Date.now() + spec.deadlineMs;
  let delivered = 0;
  let added = 0;
  for (;;) {
    if (added < spec.adds) {
      await board.add({ title: `${spec.agent} #${added}` }, { agent: spec.agent });
      added++;
    }
    delivered += (await deliverer.deliverDue()).delivered;
    const hook = await board.store.webhooks.getWebhook(spec.hookId);
    if (added === spec.adds && (hook?.cursor ?? 0) >= spec.untilSeq) break;
    if (Date.now() > deadline) throw new Error(`the cursor is at ${hook?.cursor}, not ${spec.untilSeq}, after ${spec.deadlineMs} ms`);
    if (added === spec.adds) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await board.close();
  reportResult({ delivered });
}

main().catch(exitOnError);

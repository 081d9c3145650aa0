/**
 * Migration race worker: waits at the start line, then opens a brand-new PostgreSQL board
 * (so all workers create the schema at once) and adds one task.
 */
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

async function main(): Promise<void> {
  const spec = workerSpec<{ url: string; agent: string }>();
  await waitForGo();
  const board = await openBoard(spec.url);
  const task = await board.add({ title: `opened by ${spec.agent}` }, { agent: spec.agent });
  await board.close();
  reportResult({ id: task.id });
}

main().catch(exitOnError);

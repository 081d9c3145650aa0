/**
 * Disk-fault agent: one long-running process with its board open, adding tasks one after the
 * other until `stopFile` exists, while the suite changes the board directory's permissions
 * under it. Each outcome is appended to `log` as it happens: `ack ID` once add() returned,
 * `refused CODE MESSAGE` for a refusal. Runs as an unprivileged user (root ignores permission bits).
 */
import { appendFileSync, existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  log: string;
  stopFile: string;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  let acks = 0;
  let refusals = 0;
  for (let i = 0; !existsSync(spec.stopFile); i++) {
    try {
      const task = await board.add({ title: `agent task ${i}` });
      appendFileSync(spec.log, `ack ${task.id}\n`);
      acks++;
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      if (code === undefined) throw error;
      appendFileSync(spec.log, `refused ${code} ${message.replace(/\n/g, " ")}\n`);
      refusals++;
      await sleep(20);
    }
  }
  await board.close();
  reportResult({ acks, refusals });
}

main().catch(exitOnError);

/**
 * Fencing worker: claims one task, prints "claimed ID TOKEN", then waits until the file
 * `resumeFile` exists (stdin is closed by the start line). The chaos suite SIGSTOPs it past its
 * lease, lets another agent take the task, creates that file and SIGCONTs it; it then tries every fenced write with its stale token and reports
 * how many were refused (LEASE_LOST) and how many were accepted.
 */
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  leaseSeconds: number;
  resumeFile: string;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  await waitForGo();
  const claim = await board.claim({ agent: spec.agent, leaseSeconds: spec.leaseSeconds });
  process.stdout.write(`claimed ${claim.task.id} ${claim.leaseToken}\n`);
  while (!existsSync(spec.resumeFile)) await sleep(10);
  const credential = { token: claim.leaseToken };
  const late = [
    () => board.heartbeat(claim.task.id, credential),
    () => board.complete(claim.task.id, { ...credential, result: "late" }),
    () => board.fail(claim.task.id, { ...credential, error: "late" }),
    () => board.release(claim.task.id, credential),
  ];
  let fenced = 0;
  let accepted = 0;
  for (const write of late) {
    try {
      await write();
      accepted++;
    } catch (error) {
      if ((error as { code?: string }).code !== "LEASE_LOST") throw error;
      fenced++;
    }
  }
  await board.close();
  reportResult({ attempted: late.length, fenced, accepted });
}

main().catch(exitOnError);

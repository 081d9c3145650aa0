/**
 * Crash worker: claims with a short lease, "works" for a random while, completes; the test
 * SIGKILLs it at random instants. Stale-token refusals are expected (it may have stalled past
 * its lease); when nothing is ready but tasks are still held by others it waits for their
 * leases to expire, since their holders may be dead.
 */
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  leaseSeconds: number;
  /** Each task "takes" between these, so a kill often lands while a lease is held. */
  minWorkMs: number;
  maxWorkMs: number;
  /** If set, each acknowledged completion's task id is appended here (one line) once complete() returned. */
  ackLog?: string;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  await waitForGo();
  let completed = 0;
  let announced = false;
  for (;;) {
    let claim;
    try {
      claim = await board.claim({ agent: spec.agent, leaseSeconds: spec.leaseSeconds });
      // Once: the test starts its random kill delay from here, so a kill lands among claims
      // even when a loaded machine takes longer than that delay to open the board.
      if (!announced) process.stdout.write("claimed\n");
      announced = true;
    } catch (error) {
      if ((error as { code?: string }).code !== "NOTHING_READY") throw error;
      const counts = await board.stats();
      if (counts.pending + counts.in_progress + counts.failed === 0) break;
      await sleep(25);
      continue;
    }
    await sleep(spec.minWorkMs + Math.random() * (spec.maxWorkMs - spec.minWorkMs));
    try {
      await board.complete(claim.task.id, { token: claim.leaseToken });
      if (spec.ackLog) appendFileSync(spec.ackLog, `${claim.task.id}\n`);
      completed++;
    } catch (error) {
      if ((error as { code?: string }).code !== "LEASE_LOST") throw error;
    }
  }
  await board.close();
  reportResult({ completed });
}

main().catch(exitOnError);

/**
 * Connection-loss worker: claims and completes tasks until the board has none left open,
 * while the test restarts the PostgreSQL server under it. Every refusal it meets is recorded:
 * STORE_UNAVAILABLE must be the only new kind, and after one the agent simply carries on
 * (a completion whose commit was lost is repeated with the same token).
 */
import { appendFileSync } from "node:fs";
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  agent: string;
  leaseSeconds: number;
  /** Give up after this long (the test would fail on the missing completions). */
  deadlineMs: number;
  /** If set, each acknowledged completion's task id is appended here (one line) once complete() returned. */
  ackLog?: string;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url);
  await waitForGo();
  const deadline = Date.now() + spec.deadlineMs;
  const completed: string[] = [];
  const errors: { code: string; message: string }[] = [];
  const note = (error: unknown): string => {
    const { code, message } = error as { code?: string; message: string };
    if (code === undefined) throw error;
    if (code !== "NOTHING_READY") errors.push({ code, message });
    return code;
  };
  while (Date.now() < deadline) {
    let claim;
    try {
      claim = await board.claim({ agent: spec.agent, leaseSeconds: spec.leaseSeconds });
    } catch (error) {
      if (note(error) === "NOTHING_READY") {
        const counts = await board.stats().catch((e: unknown) => (note(e), null));
        if (counts && counts.pending + counts.in_progress + counts.failed === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      continue;
    }
    for (;;) {
      try {
        await board.complete(claim.task.id, { token: claim.leaseToken, result: `done by ${spec.agent}` });
        completed.push(claim.task.id);
        if (spec.ackLog) appendFileSync(spec.ackLog, `${claim.task.id}\n`);
        break;
      } catch (error) {
        // Lost while committing: it may have been saved. Repeating with the same token is
        // safe (fencing): it completes, or is refused because it already completed.
        if (note(error) !== "STORE_UNAVAILABLE") break;
      }
    }
  }
  await board.close();
  reportResult({ completed, errors });
}

main().catch(exitOnError);

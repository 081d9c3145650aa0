/**
 * The HTTP face's fencing under SIGSTOP (the twin of stoppedHolder in bench/chaos/scenarios.ts):
 * `rounds` times an HTTP client (test/workers/http-stalled-holder.ts) claims through a real
 * `baton serve` with a 1 s lease and is SIGSTOPped; past its lease another agent claims the task
 * through the same server; the holder is SIGCONTed and sends heartbeat, complete, fail and
 * release with its stale token. Every one must be refused, and the new holder keep the task.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openBoard } from "../../src/index.js";
import { postJson } from "../../test/workers/http-client.js";
import { countLateWrites, stoppedHolderOutcome, stoppedHolderTally } from "./figures.js";
import { readBack } from "./read-back.js";
import { seed, stopAfterClaim } from "./scenarios.js";
import { CHAOS_TOKEN, startServe, stopServe } from "./serve-process.js";
import type { ScenarioOutcome } from "./figures.js";
import type { JsonAnswer } from "../../test/workers/http-client.js";

export async function httpStoppedHolder(rounds: number): Promise<ScenarioOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "baton-chaos-http-stop-"));
  const store = `sqlite:${join(dir, "board.db")}`;
  await seed(store, rounds);
  const serve = await startServe(store);
  const post = (path: string, body: unknown): Promise<JsonAnswer> => postJson({ url: serve.url, token: CHAOS_TOKEN }, path, body);
  const tally = stoppedHolderTally(rounds);
  const watcher = await openBoard(store);
  try {
    for (let round = 0; round < rounds; round++) {
      const resumeFile = join(dir, `resume-${round}`);
      const spec = { url: serve.url, token: CHAOS_TOKEN, agent: `stalled-${round}`, leaseSeconds: 1, resumeFile };
      const { holder, taskId } = await stopAfterClaim("http-stalled-holder", spec);
      // Past the 1 s lease by the store's clock: wait until the board itself reads it expired.
      while (Date.parse((await watcher.get(taskId)).leaseExpiresAt ?? "") > Date.now() - 200) await sleep(50);
      const claim = await post("/api/claims", { agent: `taker-${round}`, ids: [taskId] });
      if (claim.status === 200) tally.takenOver++;
      writeFileSync(resumeFile, "");
      holder.child.kill("SIGCONT");
      const exit = await holder.exited;
      if (exit.code !== 0) throw new Error(`HTTP stalled holder ${round} failed: ${exit.stderr}`);
      countLateWrites(tally, exit.result);
      const task = await watcher.get(taskId);
      if (claim.status === 200 && task.status === "in_progress" && task.assignedTo === `taker-${round}` && task.leaseToken === claim.body.lease_token) tally.stillHeldByTaker++;
      if (claim.status === 200) await post(`/api/tasks/${taskId}/complete`, { token: claim.body.lease_token });
    }
  } finally {
    await watcher.close();
    await stopServe(serve);
  }
  const back = await readBack(store);
  return stoppedHolderOutcome(`http: ${rounds} HTTP holders SIGSTOPped past their lease, then SIGCONTed`, tally, {
    fencedAs: "409 LEASE_LOST",
    notCompleted: back.tasks.filter((t) => t.status !== "completed").length,
    doubleHolds: back.holding.violations.length,
  });
}

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
import { spawnWorker } from "../../test/support/processes.js";
import { outcome } from "./figures.js";
import { readBack } from "./read-back.js";
import { seed } from "./scenarios.js";
import { CHAOS_TOKEN, startServe, stopServe } from "./serve-process.js";
import type { ScenarioOutcome } from "./figures.js";

export async function httpStoppedHolder(rounds: number): Promise<ScenarioOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "baton-chaos-http-stop-"));
  const store = `sqlite:${join(dir, "board.db")}`;
  await seed(store, rounds);
  const serve = await startServe(store);
  const post = async (path: string, body: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${serve.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${CHAOS_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  let attempted = 0;
  let fenced = 0;
  let accepted = 0;
  let takenOver = 0;
  let stillHeldByTaker = 0;
  const watcher = await openBoard(store);
  try {
    for (let round = 0; round < rounds; round++) {
      const resumeFile = join(dir, `resume-${round}`);
      const holder = spawnWorker("http-stalled-holder", { url: serve.url, token: CHAOS_TOKEN, agent: `stalled-${round}`, leaseSeconds: 1, resumeFile });
      let out = "";
      holder.child.stdout!.on("data", (chunk: string) => (out += chunk));
      await holder.ready;
      holder.go();
      while (!/^claimed /m.test(out) && holder.child.exitCode === null) await sleep(10);
      const [, taskId] = /^claimed (\S+) (\d+)$/m.exec(out) ?? [];
      if (taskId === undefined) throw new Error(`HTTP stalled holder ${round} claimed nothing: ${(await holder.exited).stderr}`);
      holder.child.kill("SIGSTOP");
      // Past the 1 s lease by the store's clock: wait until the board itself reads it expired.
      while (Date.parse((await watcher.get(taskId)).leaseExpiresAt ?? "") > Date.now() - 200) await sleep(50);
      const claim = await post("/api/claims", { agent: `taker-${round}`, ids: [taskId] });
      if (claim.status === 200) takenOver++;
      writeFileSync(resumeFile, "");
      holder.child.kill("SIGCONT");
      const exit = await holder.exited;
      if (exit.code !== 0) throw new Error(`HTTP stalled holder ${round} failed: ${exit.stderr}`);
      const result = exit.result as { attempted: number; fenced: number; accepted: number };
      attempted += result.attempted;
      fenced += result.fenced;
      accepted += result.accepted;
      const task = await watcher.get(taskId);
      if (claim.status === 200 && task.status === "in_progress" && task.assignedTo === `taker-${round}` && task.leaseToken === claim.body.lease_token) stillHeldByTaker++;
      if (claim.status === 200) await post(`/api/tasks/${taskId}/complete`, { token: claim.body.lease_token });
    }
  } finally {
    await watcher.close();
    await stopServe(serve);
  }
  const back = await readBack(store);
  return outcome(
    `http: ${rounds} HTTP holders SIGSTOPped past their lease, then SIGCONTed`,
    [
      ["holders stopped", rounds],
      ["late writes attempted with the stale token", attempted],
    ],
    [
      { name: "tasks taken over after the lease ran out", value: takenOver, must: rounds },
      { name: "late writes fenced (409 LEASE_LOST)", value: fenced, must: attempted },
      { name: "late writes accepted", value: accepted, must: 0 },
      { name: "tasks still held by the new holder after the late writes", value: stillHeldByTaker, must: rounds },
      { name: "tasks not completed at the end", value: back.tasks.filter((t) => t.status !== "completed").length, must: 0 },
      { name: "double holds (single-holder check)", value: back.holding.violations.length, must: 0 },
    ],
  );
}

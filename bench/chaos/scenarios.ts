/**
 * The chaos scenarios, each on a fresh board of one store and sized by the caller (the full
 * `npm run chaos` or the short forms in test/chaos): racing claims, SIGKILLs at random instants,
 * a holder SIGSTOPped past its lease, and (JSON) hand agents following seed 001. Each returns
 * its figures and the exact invariants read back from the audit trail and the final board.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openBoard } from "../../src/index.js";
import { raceScripts, repoRoot, spawnWorker, workerScript } from "../../test/support/processes.js";
import { freshUrl, patientUrl } from "./boards.js";
import { countLateWrites, outcome, stoppedHolderOutcome, stoppedHolderTally } from "./figures.js";
import { readBack } from "./read-back.js";
import type { WorkerExit, WorkerProcess } from "../../test/support/processes.js";
import type { ChaosStore } from "./boards.js";
import type { ScenarioOutcome } from "./figures.js";

export type { ChaosStore } from "./boards.js";

export async function seed(url: string, n: number, maxAttempts = 3): Promise<string[]> {
  const board = await openBoard(url);
  for (let i = 0; i < n; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ title: `chaos task ${i + j}`, maxAttempts }));
    await board.addMany(chunk);
  }
  const ids = (await board.list()).map((t) => t.id);
  await board.close();
  return ids;
}

/** Per task: each of CREATED, CLAIMED, COMPLETED once; anything else is extra. */
export function eventCounts(ids: readonly string[], events: readonly { taskId: string | null; type: string }[]): { missing: number; extra: number } {
  const expected = ["CREATED", "CLAIMED", "COMPLETED"];
  const counts = new Map(ids.map((id) => [id, new Map<string, number>()]));
  let extra = 0;
  for (const e of events) {
    const perTask = e.taskId === null ? undefined : counts.get(e.taskId);
    if (!perTask || !expected.includes(e.type)) {
      extra++;
      continue;
    }
    perTask.set(e.type, (perTask.get(e.type) ?? 0) + 1);
  }
  let missing = 0;
  for (const perTask of counts.values()) {
    for (const type of expected) {
      const n = perTask.get(type) ?? 0;
      missing += Math.max(0, 1 - n);
      extra += Math.max(0, n - 1);
    }
  }
  return { missing, extra };
}

/** `claims` tasks raced by `processes` agent processes released together (test/workers/race-claimer.ts). */
export async function racingClaims(store: ChaosStore, claims: number, processes: number): Promise<ScenarioOutcome> {
  const url = await freshUrl(store);
  const ids = await seed(url, claims);
  const specs = Array.from({ length: processes }, (_, i) => ({ url: patientUrl(url), agent: `racer-${i}`, leaseSeconds: 600 }));
  const { results, raceMs } = await raceScripts<{ completed: string[] }>(workerScript("race-claimer"), specs);
  const back = await readBack(url);
  const reported = results.flatMap((r, i) => r.completed.map((id) => ({ id, agent: `racer-${i}` })));
  const byId = new Map(back.tasks.map((t) => [t.id, t]));
  // A lost update: a completion a worker was told succeeded that the board does not show as
  // its (status completed, result written by that agent), or a task left unfinished.
  const lost =
    reported.filter(({ id, agent }) => byId.get(id)?.status !== "completed" || byId.get(id)?.result !== `done by ${agent}`).length +
    back.tasks.filter((t) => t.status !== "completed").length;
  const { missing, extra } = eventCounts(ids, back.events);
  const perProcess = results.map((r) => r.completed.length);
  return outcome(
    `${store}: ${claims} racing claims, ${processes} processes`,
    [
      ["claims acknowledged", reported.length],
      ["cycles/s (claim+complete, all processes)", (reported.length / raceMs) * 1000],
      ["fewest completions by one process", Math.min(...perProcess)],
      ["most completions by one process", Math.max(...perProcess)],
      ["audit events", back.events.length],
    ],
    [
      { name: "board unreadable", value: back.readable ? 0 : 1, must: 0 },
      { name: "double holds (single-holder check)", value: back.holding.violations.length, must: 0 },
      { name: "tasks completed twice (acknowledged)", value: reported.length - new Set(reported.map((r) => r.id)).size, must: 0 },
      { name: "lost updates", value: lost, must: 0 },
      { name: "missing events", value: missing, must: 0 },
      { name: "extra events", value: extra, must: 0 },
      { name: "replay ≠ stored task", value: back.replayMismatches, must: 0 },
      { name: "lease tokens not increasing", value: back.tokenReuses, must: 0 },
    ],
  );
}

/**
 * `lanes` lanes of test/workers/crash-claimer.ts processes, each SIGKILLed 100-1000 ms after its
 * start line, until `kills` were killed. Each worker appends the id of every completion the
 * board acknowledged to its own file; every one must be completed on the board afterwards.
 */
export async function randomKills(store: ChaosStore, kills: number, lanes: number, tasks: number): Promise<ScenarioOutcome> {
  // A worker killed inside its JSON commit leaves tasks.lock behind; the workers (which inherit
  // this) break it after 500 ms instead of the default 10 s, so the lanes keep working. Only for
  // this scenario: a hand agent's lock may be held longer than 500 ms on a loaded machine.
  const staleBefore = process.env.BATON_JSON_STALE_LOCK_MS;
  if (store === "json" && staleBefore === undefined) process.env.BATON_JSON_STALE_LOCK_MS = "500";
  try {
    return await killLanes(store, kills, lanes, tasks);
  } finally {
    if (staleBefore === undefined) delete process.env.BATON_JSON_STALE_LOCK_MS;
  }
}

async function killLanes(store: ChaosStore, kills: number, lanes: number, tasks: number): Promise<ScenarioOutcome> {
  const url = await freshUrl(store);
  await seed(url, tasks, 1000);
  const logs = mkdtempSync(join(tmpdir(), "baton-chaos-acks-"));
  let spawned = 0;
  let ranDry = 0;
  const exits: Promise<WorkerExit>[] = [];
  const ackLogs: string[] = [];
  let anyAcked = false;
  const lane = async (): Promise<void> => {
    while (spawned < kills) {
      const ackLog = join(logs, `worker-${spawned}.acks`);
      ackLogs.push(ackLog);
      const worker = spawnWorker("crash-claimer", { url: patientUrl(url), agent: `crasher-${spawned++}`, leaseSeconds: 1, minWorkMs: 5, maxWorkMs: 30, ackLog });
      exits.push(worker.exited);
      await worker.ready;
      worker.go();
      // Kills that never interrupted acknowledged work would prove nothing, and on a loaded
      // machine a JSON worker can take longer than the whole window for its first cycle (a short
      // run of 20 kills once ended with none acknowledged): until some completion is, each
      // worker first gets to its own first one (or a generous bound), then the random delay.
      if (!anyAcked) {
        const bound = Date.now() + 120_000;
        while (!existsSync(ackLog) && worker.child.exitCode === null && Date.now() < bound) await sleep(20);
        anyAcked = existsSync(ackLog);
      }
      await sleep(100 + Math.random() * 900);
      if (worker.child.exitCode !== null) ranDry++;
      worker.kill();
      await worker.exited;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  const outcomes = await Promise.all(exits);
  const killed = outcomes.filter((o) => o.signal === "SIGKILL").length;
  const failedOnTheirOwn = outcomes.filter((o) => o.signal !== "SIGKILL" && o.code !== 0).length;
  const acked = ackLogs.flatMap((path) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []));
  const back = await readBack(url);
  const completed = new Set(back.tasks.filter((t) => t.status === "completed").map((t) => t.id));
  const corrupt = back.readable && back.replayMismatches + back.leaseInconsistent + back.holding.violations.length === 0 ? 0 : 1;
  return outcome(
    `${store}: ${kills} SIGKILLs at random instants, ${lanes} lanes`,
    [
      ["workers SIGKILLed", killed],
      ["completions acknowledged before the kills", acked.length],
      ["completed on the board", completed.size],
      ["leases left held by killed workers", back.tasks.filter((t) => t.status === "in_progress").length],
      ["leases recovered (TIMEOUT events)", back.events.filter((e) => e.type === "TIMEOUT").length],
      ["stale locks broken (LOCK_BROKEN events)", back.events.filter((e) => e.type === "LOCK_BROKEN").length],
    ],
    [
      { name: "workers killed by the suite", value: killed, must: kills },
      { name: "workers failed on their own", value: failedOnTheirOwn, must: 0 },
      { name: "workers that ran out of work before the kill", value: ranDry, must: 0 },
      // Kills that never interrupted acknowledged work would prove nothing.
      { name: "runs with no acknowledged completion at all", value: acked.length === 0 ? 1 : 0, must: 0 },
      { name: "corrupt boards", value: corrupt, must: 0 },
      { name: "double holds (single-holder check)", value: back.holding.violations.length, must: 0 },
      { name: "lost acknowledged writes", value: acked.filter((id) => !completed.has(id)).length, must: 0 },
      { name: "completions acknowledged twice", value: acked.length - new Set(acked).size, must: 0 },
      { name: "lease tokens not increasing", value: back.tokenReuses, must: 0 },
    ],
  );
}

/**
 * Starts a stalled holder (test/workers/stalled-holder.ts, http-stalled-holder.ts), waits for
 * the claim it prints ("claimed ID TOKEN"), then SIGSTOPs it: the task it holds, stopped.
 */
export async function stopAfterClaim(worker: string, spec: object): Promise<{ holder: WorkerProcess; taskId: string }> {
  const holder = spawnWorker(worker, spec);
  let out = "";
  holder.child.stdout!.on("data", (chunk: string) => (out += chunk));
  await holder.ready;
  holder.go();
  while (!/^claimed /m.test(out) && holder.child.exitCode === null) await sleep(10);
  const [, taskId] = /^claimed (\S+) (\d+)$/m.exec(out) ?? [];
  if (taskId === undefined) throw new Error(`${worker} claimed nothing: ${(await holder.exited).stderr}`);
  holder.child.kill("SIGSTOP");
  return { holder, taskId };
}

/**
 * `rounds` times: a holder (test/workers/stalled-holder.ts) claims with a 1 s lease and is
 * SIGSTOPped; past its lease another agent claims the task; the holder is SIGCONTed and tries
 * heartbeat, complete, fail and release with its stale token. All must be fenced.
 */
export async function stoppedHolder(store: ChaosStore, rounds: number): Promise<ScenarioOutcome> {
  const url = await freshUrl(store);
  await seed(url, rounds);
  const tally = stoppedHolderTally(rounds);
  for (let round = 0; round < rounds; round++) {
    const resumeFile = join(mkdtempSync(join(tmpdir(), "baton-chaos-stop-")), "resume");
    const { holder, taskId } = await stopAfterClaim("stalled-holder", { url, agent: `stalled-${round}`, leaseSeconds: 1, resumeFile });
    await sleep(1_300); // past the 1 s lease
    const taker = await openBoard(url);
    const [claim] = await taker.claimBatch({ agent: `taker-${round}`, ids: [taskId] });
    if (claim) tally.takenOver++;
    writeFileSync(resumeFile, "");
    holder.child.kill("SIGCONT");
    const exit = await holder.exited;
    if (exit.code !== 0) throw new Error(`stalled holder ${round} failed: ${exit.stderr}`);
    countLateWrites(tally, exit.result);
    const task = await taker.get(taskId);
    if (task.status === "in_progress" && task.assignedTo === `taker-${round}` && task.leaseToken === claim?.leaseToken) tally.stillHeldByTaker++;
    if (claim) await taker.complete(claim.task.id, { token: claim.leaseToken });
    await taker.close();
  }
  const back = await readBack(url);
  return stoppedHolderOutcome(`${store}: ${rounds} holders SIGSTOPped past their lease, then SIGCONTed`, tally, {
    doubleHolds: back.holding.violations.length,
  });
}

function runHandAgent(dir: string, agent: string, adds: number, expect: number): Promise<{ code: number | null; completed: string[]; stderr: string }> {
  const script = join(repoRoot(), "test", "interop", "hand-agent.sh");
  const child = spawn("bash", [script, dir, agent, String(adds), String(expect)], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((resolve) =>
    child.on("close", (code) => resolve({ code, stderr, completed: [...stdout.matchAll(/^completed (\S+)$/gm)].map((m) => m[1] as string) })),
  );
}

/** JSON only: baton processes (test/workers/json-interop-agent.ts) and seed-001 hand agents on one tasks.json. */
export async function handAgentsMixedIn(batonAgents: number, handAgents: number, addsEach: number): Promise<ScenarioOutcome> {
  const url = await freshUrl("json");
  const path = url.slice("json:".length);
  await (await openBoard(url)).close();
  const total = (batonAgents + handAgents) * addsEach;
  const baton = Array.from({ length: batonAgents }, (_, i) =>
    spawnWorker("json-interop-agent", { url, agent: `baton-${i}`, adds: addsEach, expect: total }),
  );
  // The hand agents start first: bash and jq boot faster than node, and baton would otherwise
  // take every task before they are running.
  const hands = Array.from({ length: handAgents }, (_, i) => runHandAgent(join(path, ".."), `hand-${i}`, addsEach, total));
  await Promise.all(baton.map((w) => w.ready));
  for (const w of baton) w.go();
  const [batonExits, handExits] = await Promise.all([Promise.all(baton.map((w) => w.exited)), Promise.all(hands)]);
  // A failed agent's own words, so a broken "agents failed" names its cause.
  for (const e of [...batonExits, ...handExits]) if (e.code !== 0) process.stderr.write(`agent failed (exit ${e.code}): ${e.stderr}\n`);
  const byBaton = batonExits.flatMap((e) => (e.result as { completed: string[] } | undefined)?.completed ?? []);
  const byHand = handExits.flatMap((e) => e.completed);
  const all = [...byBaton, ...byHand];
  const rows = JSON.parse(readFileSync(path, "utf8")) as { id: string; status: string }[];
  const onBoard = new Set(rows.filter((r) => r.status === "COMPLETED").map((r) => r.id));
  const back = await readBack(url);
  const auditCompleted = back.events.filter((e) => e.type === "COMPLETED").length;
  return outcome(
    `json: ${batonAgents} baton processes + ${handAgents} seed-001 hand agents, ${total} tasks`,
    [
      ["completed by baton", byBaton.length],
      ["completed by hand", byHand.length],
    ],
    [
      { name: "agents failed", value: [...batonExits, ...handExits].filter((e) => e.code !== 0).length, must: 0 },
      { name: "tasks on the board", value: rows.length, must: total },
      { name: "tasks completed twice", value: all.length - new Set(all).size, must: 0 },
      { name: "lost tasks (not completed on the board)", value: total - onBoard.size, must: 0 },
      { name: "acknowledged completions missing from the board", value: all.filter((id) => !onBoard.has(id)).length, must: 0 },
      { name: "baton completions missing from baton's audit", value: byBaton.length - auditCompleted, must: 0 },
      { name: "double holds (single-holder check)", value: back.holding.violations.length, must: 0 },
    ],
  );
}

/**
 * The HTTP face in chaos: agents are HTTP client processes (test/workers/http-chaos-agent.ts) of
 * a `baton serve` process (the built CLI) on a SQLite board. Clients are SIGKILLed at random
 * instants mid-request (their leases expire, nobody holds twice) and the serve process itself
 * is SIGKILLed and restarted mid-race. Afterwards every completion answered 2xx must be on the
 * board, written by that agent, and none applied twice. With no faults the race is also checked
 * event for event (one CREATED, CLAIMED, COMPLETED per task).
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openBoard } from "../../src/index.js";
import { spawnWorker } from "../../test/support/processes.js";
import { outcome } from "./figures.js";
import { readBack } from "./read-back.js";
import { eventCounts, seed } from "./scenarios.js";
import { CHAOS_TOKEN, startServe, stopServe } from "./serve-process.js";
import type { Invariant, ScenarioOutcome } from "./figures.js";
import type { WorkerExit } from "../../test/support/processes.js";

/** Points the clients at `url` (written whole, then renamed: a client never reads half a line). */
function publish(urlFile: string, url: string): void {
  writeFileSync(`${urlFile}.tmp`, `${url}\n`);
  renameSync(`${urlFile}.tmp`, urlFile);
}

/**
 * A bound so a hung client cannot run forever, far past any real run: at 15 min a full-size run
 * on a loaded machine (8.7 cycles/s under faults) outlived its clients and left 1,093 tasks open.
 */
const CLIENT_DEADLINE_MS = 3 * 3600_000;

export async function httpChaos(claims: number, clients: number, clientKills: number, serverKills: number): Promise<ScenarioOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "baton-chaos-http-"));
  const store = `sqlite:${join(dir, "board.db")}`;
  const faulty = clientKills + serverKills > 0;
  const ids = await seed(store, claims, faulty ? 1000 : 3);
  const urlFile = join(dir, "server-url");
  let serve = await startServe(store);
  publish(urlFile, serve.url);
  const acks = join(dir, "acks");
  const ackLogs: string[] = [];
  const exits: Promise<WorkerExit>[] = [];
  let spawned = 0;
  let killsLeft = clientKills;
  let clientsKilled = 0;
  // A 5 s lease under faults, so a killed client's or a lost answer's claim comes back soon;
  // at 2 s, 697 of 10,000 completions came a lease length late on a loaded machine (load 70).
  const leaseSeconds = faulty ? 5 : 600;
  const lane = async (): Promise<void> => {
    for (;;) {
      const ackLog = `${acks}-${spawned}`;
      ackLogs.push(ackLog);
      const worker = spawnWorker("http-chaos-agent", { urlFile, token: CHAOS_TOKEN, agent: `http-${spawned++}`, leaseSeconds, ackLog, deadlineMs: CLIENT_DEADLINE_MS });
      exits.push(worker.exited);
      await worker.ready;
      worker.go();
      if (killsLeft <= 0) return;
      killsLeft--;
      await sleep(200 + Math.random() * 1_300);
      if (worker.child.exitCode !== null) return; // the board ran dry: no more kills to land
      worker.kill();
      clientsKilled++;
      await worker.exited;
    }
  };
  const started = Date.now();
  const lanes = Promise.all(Array.from({ length: clients }, lane));
  const watcher = await openBoard(store);
  let serverKilled = 0;
  const step = claims / (serverKills + 1);
  for (let i = 0; i < serverKills; i++) {
    const target = Math.floor(step * (i + 1) + (Math.random() - 0.5) * (step / 2));
    let open = 1;
    for (;;) {
      const s = await watcher.stats();
      open = s.pending + s.in_progress + s.failed;
      if (s.completed >= target || open === 0) break;
      await sleep(20);
    }
    if (open === 0) break;
    serve.child.kill("SIGKILL");
    await serve.exited;
    serverKilled++;
    serve = await startServe(store);
    publish(urlFile, serve.url);
  }
  await watcher.close();
  await lanes;
  const outcomes = await Promise.all(exits);
  const seconds = (Date.now() - started) / 1000;
  await stopServe(serve);
  type AgentResult = { completed: string[]; refused: string[]; fencedLate: number; connectionFailures: number };
  const results = outcomes.map((o) => (o.result as AgentResult | undefined) ?? { completed: [], refused: [], fencedLate: 0, connectionFailures: 0 });
  const refused = results.flatMap((r) => r.refused);
  const unexpected = refused.filter((r) => !r.includes("after a lost answer"));
  // A broken "other refusals" names its answers, so the run says what went wrong.
  for (const [answer, n] of counted(unexpected)) process.stderr.write(`http chaos: refused ${n} × ${answer}\n`);
  for (const o of outcomes) if (o.signal !== "SIGKILL" && o.code !== 0) process.stderr.write(`http chaos: client failed (exit ${o.code}): ${o.stderr}\n`);
  const acked = ackLogs.flatMap((path, i) =>
    existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).map((id) => ({ id, agent: `http-${i}` })) : [],
  );
  const back = await readBack(store);
  const byId = new Map(back.tasks.map((t) => [t.id, t]));
  const completedEvents = new Map<string, number>();
  for (const e of back.events) if (e.type === "COMPLETED" && e.taskId) completedEvents.set(e.taskId, (completedEvents.get(e.taskId) ?? 0) + 1);
  const exact: Invariant[] = faulty
    ? []
    : (() => {
        const { missing, extra } = eventCounts(ids, back.events);
        return [
          { name: "missing events", value: missing, must: 0 },
          { name: "extra events", value: extra, must: 0 },
        ];
      })();
  return outcome(
    `http: ${claims} racing claims, ${clients} client processes, ${clientKills} clients and ${serverKills} servers SIGKILLed`,
    [
      ["completions acknowledged (HTTP 200)", acked.length],
      ["cycles/s (claim+complete, all clients, boot and faults included)", acked.length / seconds],
      ["connection failures met by clients", results.reduce((n, r) => n + r.connectionFailures, 0)],
      ["completions refused after a lost answer", refused.length - unexpected.length],
      ["completions fenced, a lease length after their claim (409 LEASE_LOST)", results.reduce((n, r) => n + r.fencedLate, 0)],
      ["leases recovered (TIMEOUT events)", back.events.filter((e) => e.type === "TIMEOUT").length],
      ["audit events", back.events.length],
    ],
    [
      { name: "clients SIGKILLed by the suite", value: clientsKilled, must: clientKills },
      { name: "servers SIGKILLed and restarted mid-race", value: serverKilled, must: serverKills },
      { name: "clients failed on their own", value: outcomes.filter((o) => o.signal !== "SIGKILL" && o.code !== 0).length, must: 0 },
      { name: "other refusals (incl. a lease fenced sooner than its length)", value: unexpected.length, must: 0 },
      { name: "board unreadable", value: back.readable ? 0 : 1, must: 0 },
      { name: "lost acknowledged writes", value: acked.filter(({ id, agent }) => byId.get(id)?.status !== "completed" || byId.get(id)?.result !== `done by ${agent}`).length, must: 0 },
      { name: "completions acknowledged twice", value: acked.length - new Set(acked.map((a) => a.id)).size, must: 0 },
      { name: "tasks not completed at the end", value: back.tasks.filter((t) => t.status !== "completed").length, must: 0 },
      { name: "tasks completed twice (COMPLETED events)", value: [...completedEvents.values()].filter((n) => n > 1).length, must: 0 },
      { name: "replay ≠ stored task", value: back.replayMismatches, must: 0 },
      { name: "double holds (single-holder check)", value: back.holding.violations.length, must: 0 },
      { name: "lease tokens not increasing", value: back.tokenReuses, must: 0 },
      ...exact,
    ],
  );
}

function counted(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

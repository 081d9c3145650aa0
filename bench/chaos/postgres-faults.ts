/**
 * PostgreSQL server faults under working agents (test/workers/pg-outage-agent.ts, each
 * appending every acknowledged completion to its own file): the agents' backends killed with
 * `pg_terminate_backend`, the server restarted (`pg_ctl -m fast` and `-m immediate`), and the
 * network cut by stopping the server mid-transaction for a while. Afterwards every acknowledged
 * completion must be on the board, and every unacknowledged write fully there or absent: each
 * task's events fold back to the stored task, leases are consistent, nothing completed twice.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { openBoard } from "../../src/index.js";
import { spawnWorker } from "../../test/support/processes.js";
import { TEST_PASSWORD } from "../../test/support/postgres-server.js";
import { chaosPostgres, freshUrl } from "./boards.js";
import { outcome } from "./figures.js";
import { readBack } from "./read-back.js";
import { seed } from "./scenarios.js";
import type { PostgresServer } from "../../test/support/postgres-server.js";
import type { ScenarioOutcome } from "./figures.js";

const FAULTS = ["backends killed", "restart -m fast", "restart -m immediate", "network cut (stopped 1.5 s)"] as const;
type Fault = (typeof FAULTS)[number];

/** Kills about half of the agents' backends on `database`, chosen at random; returns how many. */
async function terminateBackends(server: PostgresServer, database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: server.url("postgres") });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid()
        ORDER BY random() LIMIT greatest(1, (SELECT count(*) / 2 FROM pg_stat_activity WHERE datname = $1))`,
      [database],
    );
    return rows.filter((r) => r.killed).length;
  } finally {
    await admin.end();
  }
}

async function inject(fault: Fault, server: PostgresServer, database: string): Promise<number> {
  switch (fault) {
    case "backends killed":
      return terminateBackends(server, database);
    case "restart -m fast":
      await server.restartServer("fast");
      return 1;
    case "restart -m immediate":
      await server.restartServer("immediate");
      return 1;
    case "network cut (stopped 1.5 s)":
      await server.restartServer("immediate", 1_500);
      return 1;
  }
}

/** `faults` server faults (cycling through FAULTS), spread over the run, while `agents` agents work through `tasks` tasks. */
export async function serverFaults(tasks: number, agents: number, faults: number): Promise<ScenarioOutcome> {
  const server = await chaosPostgres();
  const url = await freshUrl("postgres");
  const database = new URL(url).pathname.slice(1);
  await seed(url, tasks, 1000);
  const logs = mkdtempSync(join(tmpdir(), "baton-chaos-pg-acks-"));
  const ackLogs = Array.from({ length: agents }, (_, i) => join(logs, `agent-${i}.acks`));
  const workers = ackLogs.map((ackLog, i) =>
    // A 2 s lease: a claim whose answer was lost with the connection is recovered quickly.
    spawnWorker("pg-outage-agent", { url, agent: `agent-${i}`, leaseSeconds: 2, deadlineMs: 600_000, ackLog }),
  );
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  const watcher = await openBoard(url);
  const injected = new Map<Fault, number>(FAULTS.map((f) => [f, 0]));
  let backendsKilled = 0;
  let faultsWithWorkLeft = 0;
  // Fault i lands once about (i + 1) / (faults + 1) of the tasks are done (± a random quarter
  // step), so every fault hits agents mid-work however fast the machine is.
  const step = tasks / (faults + 1);
  for (let i = 0; i < faults; i++) {
    const target = Math.floor(step * (i + 1) + (Math.random() - 0.5) * (step / 2));
    let open = 0;
    for (;;) {
      const s = await watcher.stats();
      open = s.pending + s.in_progress + s.failed;
      if (s.completed >= target || open === 0) break;
      await sleep(20);
    }
    if (open > 0) faultsWithWorkLeft++;
    const fault = FAULTS[i % FAULTS.length] as Fault;
    const n = await inject(fault, server, database);
    if (fault === "backends killed") backendsKilled += n;
    injected.set(fault, (injected.get(fault) ?? 0) + 1);
  }
  await watcher.close();
  const exits = await Promise.all(workers.map((w) => w.exited));
  for (const e of exits) if (e.code !== 0) process.stderr.write(`agent failed (exit ${e.code}): ${e.stderr}\n`);
  const results = exits.map((e) => (e.result as { completed: string[]; errors: { code: string; message: string }[] } | undefined) ?? { completed: [], errors: [] });
  const errors = results.flatMap((r) => r.errors);
  const acked = ackLogs.flatMap((path, i) =>
    existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).map((id) => ({ id, agent: `agent-${i}` })) : [],
  );
  const back = await readBack(url);
  const byId = new Map(back.tasks.map((t) => [t.id, t]));
  const completedEvents = new Map<string, number>();
  for (const e of back.events) if (e.type === "COMPLETED" && e.taskId) completedEvents.set(e.taskId, (completedEvents.get(e.taskId) ?? 0) + 1);
  return outcome(
    `postgres: ${faults} server faults under ${agents} agents, ${tasks} tasks`,
    [
      ...FAULTS.map((f): [string, number] => [`faults: ${f}`, injected.get(f) ?? 0]),
      ["backends terminated", backendsKilled],
      ["completions acknowledged", acked.length],
      ["STORE_UNAVAILABLE refusals seen by agents", errors.filter((e) => e.code === "STORE_UNAVAILABLE").length],
      ["leases recovered (TIMEOUT events)", back.events.filter((e) => e.type === "TIMEOUT").length],
    ],
    [
      { name: "faults injected while work was left", value: faultsWithWorkLeft, must: faults },
      { name: "agents failed", value: exits.filter((e) => e.code !== 0).length, must: 0 },
      { name: "refusals other than STORE_UNAVAILABLE, CONFLICT, LEASE_LOST", value: errors.filter((e) => !["STORE_UNAVAILABLE", "CONFLICT", "LEASE_LOST"].includes(e.code)).length, must: 0 },
      { name: "refusals showing the password", value: errors.filter((e) => e.message.includes(TEST_PASSWORD)).length, must: 0 },
      { name: "board unreadable", value: back.readable ? 0 : 1, must: 0 },
      { name: "lost acknowledged writes", value: acked.filter(({ id, agent }) => byId.get(id)?.status !== "completed" || byId.get(id)?.result !== `done by ${agent}`).length, must: 0 },
      { name: "completions acknowledged twice", value: acked.length - new Set(acked.map((a) => a.id)).size, must: 0 },
      { name: "tasks not completed at the end", value: back.tasks.filter((t) => t.status !== "completed").length, must: 0 },
      { name: "tasks completed twice (COMPLETED events)", value: [...completedEvents.values()].filter((n) => n > 1).length, must: 0 },
      // A half-applied write shows as a task whose events do not fold back to it, or a lease without its status.
      { name: "partial writes (replay ≠ stored task)", value: back.replayMismatches, must: 0 },
      { name: "leases inconsistent with status", value: back.leaseInconsistent, must: 0 },
      { name: "double holds (single-holder check)", value: back.holding.violations.length, must: 0 },
      { name: "lease tokens not increasing", value: back.tokenReuses, must: 0 },
    ],
  );
}

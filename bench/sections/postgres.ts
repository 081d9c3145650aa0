/**
 * PostgreSQL store vs pg-boss, side by side on one throwaway server (fsync on, PostgreSQL's
 * defaults otherwise), same number of jobs, same process counts, each process with its own
 * connection: baton claim → complete cycles against pg-boss fetch → complete.
 * A baton cycle does more than a pg-boss one: lazy lease recovery, the agent's heartbeat row,
 * fencing, and an audit event per change (pg-boss keeps no history).
 *
 * Each worker process first does BENCH_PG_WARMUP cycles on jobs added for them, untimed
 * (module compilation, statement preparation, a first pass through the JIT), on both sides;
 * then the clock runs from "go" until the last of the measured jobs is completed.
 *
 * Knobs (defaults in brackets): BENCH_PG_JOBS [2000], BENCH_PG_PROCS [1,8,32], BENCH_PG_WARMUP [20].
 */
import PgBoss from "pg-boss";
import { openBoard } from "../../src/index.js";
import { startPostgres } from "../../test/support/postgres-server.js";
import { race } from "../postgres/spawn.js";
import type { BenchRatio, BenchSection } from "../report.js";

const jobs = Number(process.env.BENCH_PG_JOBS ?? 2000);
const processCounts = (process.env.BENCH_PG_PROCS ?? "1,8,32").split(",").map(Number);
const warmup = Number(process.env.BENCH_PG_WARMUP ?? 20);

async function batonRun(url: string, processes: number): Promise<number> {
  const board = await openBoard(url);
  const total = jobs + warmup * processes;
  for (let i = 0; i < total; i += 500) {
    await board.addMany(Array.from({ length: Math.min(500, total - i) }, (_, j) => ({ title: `job ${i + j}` })));
  }
  await board.close();
  const { results, ms } = await race<{ done: number }>(
    "baton-worker",
    Array.from({ length: processes }, (_, i) => ({ url, agent: `bench-${i}`, warmup })),
  );
  const done = results.reduce((sum, r) => sum + r.done, 0);
  if (done !== jobs) throw new Error(`baton completed ${done} of ${jobs} jobs`);
  return (jobs * 1000) / ms;
}

async function pgBossRun(url: string, processes: number): Promise<number> {
  const queue = "bench";
  const boss = new PgBoss({ connectionString: url, max: 2, supervise: false, schedule: false });
  boss.on("error", (error) => console.error(error));
  await boss.start();
  await boss.createQueue(queue);
  const total = jobs + warmup * processes;
  for (let i = 0; i < total; i += 500) {
    await boss.insert(Array.from({ length: Math.min(500, total - i) }, (_, j) => ({ name: queue, data: { n: i + j } })));
  }
  await boss.stop({ graceful: false, wait: true });
  const { results, ms } = await race<{ done: number }>(
    "pgboss-worker",
    Array.from({ length: processes }, () => ({ url, queue, warmup })),
  );
  const done = results.reduce((sum, r) => sum + r.done, 0);
  if (done !== jobs) throw new Error(`pg-boss completed ${done} of ${jobs} jobs`);
  return (jobs * 1000) / ms;
}

export async function run(): Promise<BenchSection> {
  const server = await startPostgres({ fsync: true, maxConnections: 300 });
  try {
    const rows: (string | number)[][] = [];
    const ratios: BenchRatio[] = [];
    for (const processes of processCounts) {
      // Alternate who goes first, so neither always runs on a warmer server.
      const baton = await batonRun(await server.createDatabase("bench_baton"), processes);
      const boss = await pgBossRun(await server.createDatabase("bench_pgboss"), processes);
      rows.push([String(processes), baton, boss, baton / boss]);
      ratios.push({ name: `baton / pg-boss at ${processes} processes`, value: baton / boss, target: ">= 1.0", met: baton / boss >= 1 });
    }
    return {
      title: "postgres",
      tables: [
        {
          title: `claim → complete, ${jobs} jobs, one throwaway PostgreSQL server (fsync on)`,
          columns: ["processes", "baton cycles/s", "pg-boss cycles/s", "baton / pg-boss"],
          rows,
        },
      ],
      ratios,
      notes: [
        "Each cycle is two transactions on both sides. A baton claim is 2 round trips (BEGIN with what the board reads first, then its writes with COMMIT) and the claimer's completion 1 (its writes on the row the claim left, checked by the database, see src/store/postgres/speculation.ts); a pg-boss fetch or complete is 1 (one autocommit statement). baton's also recovers expired leases, records the agent's heartbeat, fences by token and appends two audit events; pg-boss keeps no history.",
        `Before the clock starts, every worker process does ${warmup} untimed cycles on jobs added for them (both sides).`,
      ],
    };
  } finally {
    server.stop();
  }
}

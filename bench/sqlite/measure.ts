/**
 * The sqlite section's measurements: the bare commit rate of the disk, claim+complete cycles
 * across N agent processes started together, and claim latency against board size.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openBoard } from "../../src/index.js";
import type { Durability, LockWait } from "../../src/index.js";
import { findProcess, machineCpuMicros, processCpuMicros } from "../proc-cpu.js";
import { turnSplit } from "./turn-split.js";
import type { TurnSplit } from "./turn-split.js";
import type { DoneMessage, GoMessage, WaiterMessage, WorkerMessage } from "./protocol.js";

export const MODES = ["normal", "full"] as const satisfies readonly Durability[];
export const LOCK_WAITS = ["blocking", "async"] as const satisfies readonly LockWait[];
/** The lock hand-over before (main's "ring") and after ("turns"): src/store/sqlite/turn.ts. */
export const HAND_OVERS = ["ring", "turns", "writer"] as const;
export type HandOver = (typeof HAND_OVERS)[number];

const boardDirs: string[] = [];

export function freshBoardPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "baton-bench-sqlite-"));
  boardDirs.push(dir);
  return join(dir, "board.db");
}

/** The 100k board alone is ~100 MB: remove every board this run made. */
export function removeBoards(): void {
  for (const dir of boardDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function boardUrl(path: string, mode: Durability): string {
  return `sqlite:${path}?durability=${mode}`;
}

/**
 * One-row write transactions from one process, with the store's pragmas (WAL; synchronous
 * NORMAL or FULL): the physical limit a claim or a complete (one commit each) runs against.
 */
export function bareCommitsPerSecond(mode: Durability, windowMs: number): number {
  const db = new Database(freshBoardPath());
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${mode === "full" ? "FULL" : "NORMAL"}`);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, at REAL NOT NULL)");
  const begin = db.prepare("BEGIN IMMEDIATE");
  const insert = db.prepare("INSERT INTO t (at) VALUES (?)");
  const commit = db.prepare("COMMIT");
  const started = performance.now();
  let commits = 0;
  let now = started;
  while (now - started < windowMs) {
    begin.run();
    insert.run(now);
    commit.run();
    commits++;
    now = performance.now();
  }
  db.close();
  return (commits * 1000) / (now - started);
}

/** Pending tasks, inserted in large addMany transactions (one commit per chunk). */
export async function fillBoard(url: string, count: number, chunk = 5000): Promise<void> {
  const board = await openBoard(url);
  try {
    for (let done = 0; done < count; done += chunk) {
      const n = Math.min(chunk, count - done);
      await board.addMany(Array.from({ length: n }, (_, i) => ({ title: `bench task ${done + i + 1}` })));
    }
  } finally {
    await board.close();
  }
}

export interface ContentionResult {
  processes: number;
  cyclesPerSecond: number;
  claimP50Ms: number;
  claimP99Ms: number;
  /** cycles of the slowest / fastest process: 1 is perfectly fair, 0 is starvation. */
  fairness: number;
  exhausted: boolean;
  /** Per lock acquisition, over all processes: tries that found it busy, doorbell waits. */
  busyTriesPerLock: number;
  doorbellWaitsPerLock: number;
  /** Share of the window the average process spent waiting for the lock. */
  waitingShare: number;
  /** Cycles of the slowest and the fastest process in the window. */
  cyclesMin: number;
  cyclesMax: number;
  /** Rings by waiters' watchdogs per lock acquisition (no commit seen for a period). */
  watchdogRingsPerLock: number;
  /** The processes' own CPU time over the window per cycle, µs (user + system). */
  cpuMicrosPerCycle: number;
  /** Hand-over "writer": the board's local writer's CPU over the window per cycle, µs (undefined without /proc). */
  writerMicrosPerCycle?: number;
  /** Share of the machine's CPU time (all cores) left idle over the window (undefined without /proc). */
  idleShare?: number;
  /** BENCH_SQLITE_TRACE=1: where the turns' time went (turn-split.ts). */
  split?: TurnSplit;
}

const WORKER = new URL("./cycle-worker.js", import.meta.url);
const LOCKED_WAITER = new URL("./locked-waiter.js", import.meta.url);

/** N processes open the board, wait at a barrier, then loop claim → complete together. */
export async function contention(
  url: string,
  processes: number,
  timing: { warmupMs: number; windowMs: number; pauseMs?: number },
  lockWait: LockWait,
  handOver: HandOver = "turns",
): Promise<ContentionResult> {
  const children = Array.from({ length: processes }, (_, i) =>
    fork(WORKER, [url, `agent-${i + 1}`, lockWait, handOver], { stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
  const name = (i: number): string => `sqlite bench worker agent-${i + 1} (pid ${children[i]?.pid})`;
  const ready = children.map(
    (child, i) =>
      new Promise<void>((resolve, reject) => {
        child.once("message", () => resolve());
        child.once("exit", (code, signal) => reject(new Error(`${name(i)} exited with ${code ?? signal} before the barrier`)));
      }),
  );
  // Every worker must deliver its result: 'close' fires after the IPC channel has delivered
  // every message, so a worker that ends without one (lost message, crash, exit 0) is an error
  // naming it, never a wait without end. A deadline catches a worker that hangs.
  const deadlineMs = timing.warmupMs + timing.windowMs + 60_000 + processes * 1_000;
  const done = children.map(
    (child, i) =>
      new Promise<DoneMessage>((resolve, reject) => {
        let result: DoneMessage | undefined;
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`${name(i)} sent no result within ${Math.round(deadlineMs / 1000)} s; killed`));
        }, deadlineMs);
        child.on("message", (m: WorkerMessage) => {
          if (m.type === "done") result = m;
        });
        child.once("close", (code, signal) => {
          clearTimeout(timer);
          if (result && code === 0) resolve(result);
          else if (result) reject(new Error(`${name(i)} sent its result but exited with ${code ?? signal}`));
          else reject(new Error(`${name(i)} exited (${code ?? signal}) without sending its result`));
        });
      }),
  );
  await Promise.all(ready).catch((error: unknown) => {
    for (const child of children) child.kill("SIGKILL");
    throw error;
  });
  // Every worker is open and idle: the start instant leaves time for the message to arrive.
  const go: GoMessage = { type: "go", startAt: Date.now() + 100 + processes * 5, ...timing };
  for (const child of children) child.send(go);
  const window = cpuOverWindow(go, handOver === "writer" ? boardPathOf(url) : undefined);
  const results = await Promise.all(done).finally(() => window.cancel());
  const cycles = results.map((r) => r.cycles);
  const latencies = results.flatMap((r) => r.claimLatencies).sort((a, b) => a - b);
  const total = cycles.reduce((a, b) => a + b, 0);
  const sum = (f: (w: NonNullable<DoneMessage["waits"]>) => number): number =>
    results.reduce((a, r) => a + (r.waits ? f(r.waits) : 0), 0);
  const acquired = Math.max(1, sum((w) => w.acquired));
  return {
    busyTriesPerLock: sum((w) => w.busyTries) / acquired,
    doorbellWaitsPerLock: sum((w) => w.doorbellWaits) / acquired,
    waitingShare: sum((w) => w.waitedMs) / processes / timing.windowMs,
    cyclesMin: Math.min(...cycles),
    cyclesMax: Math.max(...cycles),
    watchdogRingsPerLock: sum((w) => w.watchdogRings) / acquired,
    processes,
    cyclesPerSecond: (total * 1000) / timing.windowMs,
    claimP50Ms: percentile(latencies, 0.5),
    claimP99Ms: percentile(latencies, 0.99),
    fairness: Math.min(...cycles) / Math.max(1, Math.max(...cycles)),
    exhausted: results.some((r) => r.exhausted),
    cpuMicrosPerCycle: results.reduce((a, r) => a + (r.cpuMicros ?? 0), 0) / Math.max(1, total),
    ...window.perCycle(total),
    ...withSplit(turnSplit(results, timing.windowMs)),
  };
}

/** The board file a bench URL names (boardUrl): what the local writer's command line holds. */
const boardPathOf = (url: string): string => url.slice("sqlite:".length).split("?")[0] as string;

interface WindowCpu {
  /** Stops the readings (the workers are done, or failed). */
  cancel(): void;
  /** The figures over the window, per cycle counted in it; each left out when it could not be read. */
  perCycle(cycles: number): Pick<ContentionResult, "writerMicrosPerCycle" | "idleShare">;
}

/**
 * The machine's idle share and, through the writer, the local writer's CPU over the window
 * the workers count cycles in: the writer is not the bench's child, so its CPU comes from
 * /proc. The writer is looked up at the window's start (the workers started it in their
 * warm-up); one that is not found leaves its figure out.
 */
function cpuOverWindow(go: GoMessage, writerBoard: string | undefined): WindowCpu {
  let writer: number | undefined;
  let writerFrom: number | undefined;
  let writerUntil: number | undefined;
  let machineFrom: ReturnType<typeof machineCpuMicros>;
  let machineUntil: ReturnType<typeof machineCpuMicros>;
  const start = setTimeout(() => {
    machineFrom = machineCpuMicros();
    if (writerBoard === undefined) return;
    writer = findProcess(["local-writer/daemon.js", writerBoard]);
    writerFrom = processCpuMicros(writer);
  }, go.startAt + go.warmupMs - Date.now());
  const end = setTimeout(() => {
    machineUntil = machineCpuMicros();
    writerUntil = processCpuMicros(writer);
  }, go.startAt + go.warmupMs + go.windowMs - Date.now());
  return {
    cancel(): void {
      clearTimeout(start);
      clearTimeout(end);
    },
    perCycle(cycles) {
      const figures: ReturnType<WindowCpu["perCycle"]> = {};
      if (writerFrom !== undefined && writerUntil !== undefined) figures.writerMicrosPerCycle = (writerUntil - writerFrom) / Math.max(1, cycles);
      if (machineFrom && machineUntil) {
        const busy = machineUntil.busy - machineFrom.busy;
        const idle = machineUntil.idle - machineFrom.idle;
        if (busy + idle > 0) figures.idleShare = idle / (busy + idle);
      }
      return figures;
    },
  };
}

const withSplit = (split: TurnSplit | undefined): { split?: TurnSplit } => (split ? { split } : {});

export interface LockedWaitResult {
  lockWait: LockWait;
  /** Event-loop delay of the waiting process while its write waited. */
  p99Ms: number;
  maxMs: number;
  /** How long its write took, the lock being held for `holdMs` of it. */
  waitedMs: number;
}

/**
 * Another process's write waits while this process holds the write lock for `holdMs`; that
 * process samples its own event loop meanwhile (locked-waiter.ts).
 */
export async function eventLoopWhileLocked(url: string, lockWait: LockWait, holdMs: number): Promise<LockedWaitResult> {
  const child = fork(LOCKED_WAITER, [url, lockWait], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let reported = false;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => !reported && reject(new Error(`locked-waiter exited with ${code} before reporting`))),
  );
  const next = (): Promise<WaiterMessage> =>
    Promise.race([new Promise<WaiterMessage>((resolve) => child.once("message", (m) => resolve(m as WaiterMessage))), exited]);
  await next();
  const db = new Database(url.replace(/^sqlite:/, "").replace(/\?.*$/, ""), { timeout: 5000 });
  db.exec("BEGIN IMMEDIATE");
  const done = next();
  child.send({ type: "go" });
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  db.exec("COMMIT");
  db.close();
  const report = await done;
  reported = true;
  if (report.type !== "done") throw new Error(`locked-waiter said ${report.type}, not done`);
  return { lockWait, p99Ms: report.p99Ms, maxMs: report.maxMs, waitedMs: report.waitedMs };
}

/**
 * Median claim latency (single process) on boards of each size, measured in interleaved
 * rounds so that load from elsewhere on the machine hits every size alike.
 */
export async function claimLatencyBySize(
  urls: { size: number; url: string }[],
  rounds: number,
  claimsPerRound: number,
): Promise<Map<number, number>> {
  const boards = await Promise.all(urls.map(async (u) => ({ ...u, board: await openBoard(u.url) })));
  const samples = new Map<number, number[]>(urls.map((u) => [u.size, []]));
  try {
    for (let round = -1; round < rounds; round++) {
      for (const { size, board } of boards) {
        for (let i = 0; i < claimsPerRound; i++) {
          const started = performance.now();
          const { task, leaseToken } = await board.claim({ agent: "bench" });
          // Round -1 warms up the JIT and the page cache and is not counted.
          if (round >= 0) samples.get(size)?.push(performance.now() - started);
          await board.complete(task.id, { token: leaseToken });
        }
      }
    }
  } finally {
    for (const { board } of boards) await board.close();
  }
  return new Map([...samples].map(([size, s]) => [size, percentile(s.sort((a, b) => a - b), 0.5)]));
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

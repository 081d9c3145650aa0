/**
 * `baton serve` in front of a SQLite board, all figures from one run (compare as ratios):
 * - claim+complete cycles/s over HTTP with 1, 16, 64 concurrent clients, against the library
 *   with 1, 16, 64 agent processes on the same kind of board (the per-process lock hand-over);
 * - the mean group commit batch (writes per store transaction) in serve at each client count;
 * - stream delivery latency from commit to 50 SSE clients, p50/p99.
 *
 * "N concurrent clients" is N concurrent keep-alive connections, each an agent looping claim →
 * complete, driven by up to 4 client processes (16 connections each at 64), not N processes:
 * an agent over HTTP is a connection, and 64 Node processes on this 2-core machine would
 * measure their own start-up and scheduling instead of the server.
 *
 * Knobs (defaults in brackets): BENCH_HTTP_WINDOW_MS [3000], BENCH_HTTP_CLIENTS [1,16,64],
 * BENCH_HTTP_STREAM_EVENTS [200].
 */
import { fork, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openBoard } from "../../src/index.js";
import { boardUrl, contention, fillBoard, freshBoardPath, removeBoards } from "../sqlite/measure.js";
import type { ChildProcess } from "node:child_process";
import type { BenchRatio, BenchSection, BenchTable } from "../report.js";
import type { DoneMessage } from "../sqlite/protocol.js";

const env = process.env;
const windowMs = Number(env.BENCH_HTTP_WINDOW_MS ?? 3000);
const warmupMs = Math.min(1000, windowMs / 3);
const clientCounts = (env.BENCH_HTTP_CLIENTS ?? "1,16,64").split(",").map(Number);
const streamEvents = Number(env.BENCH_HTTP_STREAM_EVENTS ?? 200);
const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, "..", "..", "src", "cli", "main.js");
const CLIENT = join(here, "..", "http", "client-worker.js");
const STREAMER = join(here, "..", "http", "stream-worker.js");
const TOKEN = "bench-token-0123456789abcdef";
/** Enough tasks that no configuration runs dry. */
const TASKS = 60_000;

export async function run(): Promise<BenchSection> {
  try {
    return await measure();
  } finally {
    removeBoards();
  }
}

interface Server {
  url: string;
  child: ChildProcess;
}

async function startServer(dbPath: string): Promise<Server> {
  const dir = dirname(dbPath);
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--json", "--store", `sqlite:${dbPath}`], {
    env: { ...process.env, BATON_TOKEN: TOKEN },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      if (out.includes("\n")) resolve((JSON.parse(out.split("\n")[0] as string) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url, child };
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  await exited;
}

interface GroupCommitCounts {
  batches: number;
  operations: number;
}

/** serve's group commit counters so far (GET /api/health). */
async function groupCommitCounts(url: string): Promise<GroupCommitCounts> {
  const response = await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await response.json()) as { group_commit?: GroupCommitCounts };
  if (!body.group_commit) throw new Error(`serve at ${url} reports no group commit counts (GET /api/health answered ${response.status})`);
  return body.group_commit;
}

/** Cycles/s with `clients` concurrent HTTP agents, spread over up to 4 client processes. */
async function httpCycles(
  url: string,
  clients: number,
): Promise<{ cyclesPerSecond: number; p50: number; p99: number; exhausted: boolean; meanBatch: number }> {
  const processes = Math.min(4, clients);
  const children = Array.from({ length: processes }, (_, p) => {
    const first = Math.floor((p * clients) / processes);
    const count = Math.floor(((p + 1) * clients) / processes) - first;
    return fork(CLIENT, [url, TOKEN, String(first), String(count)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  });
  const name = (i: number): string => `http bench client process ${i + 1} of ${processes} (pid ${children[i]?.pid})`;
  const ready = children.map(
    (c, i) =>
      new Promise<void>((resolve, reject) => {
        c.once("message", () => resolve());
        c.once("exit", (code) => reject(new Error(`${name(i)} exited with ${code} before the barrier`)));
      }),
  );
  // 'close' comes after the IPC channel delivered every message: a client that ends without
  // its result is an error naming it, never a wait without end.
  const done = children.map(
    (c, i) =>
      new Promise<DoneMessage>((resolve, reject) => {
        let result: DoneMessage | undefined;
        c.on("message", (m: DoneMessage) => {
          if (m.type === "done") result = m;
        });
        c.once("close", (code, signal) => (result ? resolve(result) : reject(new Error(`${name(i)} exited (${code ?? signal}) without sending its result`))));
      }),
  );
  await Promise.all(ready).catch((error: unknown) => {
    for (const c of children) c.kill("SIGKILL");
    throw error;
  });
  const before = await groupCommitCounts(url);
  for (const c of children) c.send({ type: "go", startAt: Date.now() + 100, warmupMs, windowMs });
  const results = await Promise.all(done);
  const after = await groupCommitCounts(url);
  const latencies = results.flatMap((r) => r.claimLatencies).sort((a, b) => a - b);
  return {
    cyclesPerSecond: (results.reduce((n, r) => n + r.cycles, 0) * 1000) / windowMs,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    exhausted: results.some((r) => r.exhausted),
    // Over the warm-up and the window: every write the clients made in this run.
    meanBatch: (after.operations - before.operations) / Math.max(1, after.batches - before.batches),
  };
}

async function streamLatency(dbPath: string, url: string): Promise<{ p50: number; p99: number; delivered: number; expected: number }> {
  const child = fork(STREAMER, [url, TOKEN, "50"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await new Promise<void>((resolve) => child.once("message", () => resolve()));
  const board = await openBoard(`sqlite:${dbPath}`);
  // One commit every 10 ms from another process, as agents would write: each a CREATED event.
  for (let i = 0; i < streamEvents; i++) {
    await board.add({ title: `streamed ${i}` });
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 500));
  await board.close();
  const result = new Promise<{ latencies: number[]; counts: number[] }>((resolve) => child.once("message", (m) => resolve(m as never)));
  child.send({ type: "stop" });
  const { latencies, counts } = await result;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), delivered: counts.reduce((a, b) => a + b, 0), expected: 50 * streamEvents };
}

async function measure(): Promise<BenchSection> {
  const tables: BenchTable[] = [];
  const ratios: BenchRatio[] = [];
  const rows: (string | number)[][] = [];
  const library = new Map<number, number>();
  const overHttp = new Map<number, number>();
  for (const n of clientCounts) {
    const libPath = freshBoardPath();
    await fillBoard(boardUrl(libPath, "normal"), TASKS);
    const lib = await contention(boardUrl(libPath, "normal"), n, { warmupMs, windowMs }, "async");
    library.set(n, lib.cyclesPerSecond);

    const httpPath = freshBoardPath();
    await fillBoard(`sqlite:${httpPath}`, TASKS);
    const server = await startServer(httpPath);
    try {
      const h = await httpCycles(server.url, n);
      overHttp.set(n, h.cyclesPerSecond);
      rows.push([String(n), lib.cyclesPerSecond, h.cyclesPerSecond, h.p50, h.p99, h.meanBatch, h.exhausted || lib.exhausted ? "board ran dry" : ""]);
      if (n === 64) ratios.push({ name: "mean group commit batch at 64 HTTP clients (writes per store transaction)", value: h.meanBatch });
    } finally {
      await stopServer(server);
    }
  }
  tables.push({
    title: `claim → complete cycles/s on SQLite (window ${windowMs} ms): library processes vs concurrent HTTP clients (keep-alive connections from up to 4 processes) of one serve`,
    columns: ["agents", "library (N processes)", "HTTP (N clients)", "HTTP cycle p50 ms", "HTTP cycle p99 ms", "mean batch", "note"],
    rows,
  });
  const one = library.get(1);
  const http64 = overHttp.get(64);
  if (one && http64 !== undefined) {
    ratios.push({ name: "HTTP at 64 clients ÷ library at 1 process", value: http64 / one, target: ">= 1", met: http64 >= one });
  }
  const lib64 = library.get(64);
  if (lib64 && http64 !== undefined) ratios.push({ name: "HTTP at 64 clients ÷ library at 64 processes", value: http64 / lib64 });

  const streamPath = freshBoardPath();
  await openBoard(`sqlite:${streamPath}`).then((b) => b.close());
  const server = await startServer(streamPath);
  try {
    const s = await streamLatency(streamPath, server.url);
    tables.push({
      title: `stream delivery, commit → 50 SSE clients (${streamEvents} events, one every 10 ms)`,
      columns: ["p50 ms", "p99 ms", "delivered", "expected"],
      rows: [[s.p50, s.p99, s.delivered, s.expected]],
    });
    ratios.push({ name: "stream p99 ms (commit → 50 clients)", value: s.p99, target: "<= 100", met: s.p99 <= 100 });
  } finally {
    await stopServer(server);
  }
  return {
    title: "HTTP (baton serve on SQLite)",
    tables,
    ratios,
    notes: ["Latency is the client's clock minus the event's `at` (the writer's clock, same machine), in whole ms."],
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

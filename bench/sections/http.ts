/**
 * `baton serve` in front of a SQLite board, all figures from one run (compare as ratios):
 * - claim+complete cycles/s over HTTP with 1, 16, 64 concurrent clients, against the library
 *   with 1, 16, 64 agent processes on the same kind of board (the per-process lock hand-over),
 *   in both HTTP shapes: two requests per cycle (POST /api/claims, then /complete) and one
 *   (/complete with `claim_next`, which completes and claims the next in one request);
 * - the mean group commit batch (store transactions' operations) in serve at each client count;
 * - CPU per cycle, µs: the library processes', serve's, and the HTTP client processes' (on 2
 *   cores the clients take CPU from the server they measure, so both are printed);
 * - at the largest count, serve with --no-writer-thread (the board's writes on its main
 *   thread, as before src/http/writer-thread.ts), and the same clients against serve's HTTP
 *   layer with a board that answers at once (bench/http/instant-board-serve.ts): what the
 *   HTTP layer alone costs and reaches in this run;
 * - stream delivery latency from commit to 50 SSE clients, p50/p99.
 *
 * "N concurrent clients" is N concurrent keep-alive connections, each an agent looping claim →
 * complete, driven by up to 4 client processes (16 connections each at 64; bench/http/wire-client.ts), not N processes:
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
import { processCpuMicros } from "../proc-cpu.js";
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
const INSTANT_SERVE = join(here, "..", "http", "instant-board-serve.js");
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

async function startServer(dbPath: string, flags: readonly string[] = []): Promise<Server> {
  mkdirSync(dirname(dbPath), { recursive: true });
  return startProcess([CLI, "serve", "--port", "0", "--json", "--store", `sqlite:${dbPath}`, ...flags]);
}

/** A process that prints `{"url": …}` on its first line once it listens (serve --json, or the instant board). */
async function startProcess(args: readonly string[]): Promise<Server> {
  const child = spawn(process.execPath, args, {
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

/** Two requests per cycle (claim, then complete) or one (complete with claim_next); see bench/http/client-worker.ts. */
type Shape = "two" | "one";

interface HttpResult {
  cyclesPerSecond: number;
  p50: number;
  p99: number;
  exhausted: boolean;
  meanBatch: number;
  /** serve's CPU over the window per cycle, µs (undefined where /proc is not there to read it). */
  serverMicrosPerCycle: number | undefined;
  /** The client processes' CPU over the window per cycle, µs. */
  clientMicrosPerCycle: number;
}

/** Cycles/s with `clients` concurrent HTTP agents, spread over up to 4 client processes. */
async function httpCycles(server: Server, clients: number, shape: Shape, groupCommit = true): Promise<HttpResult> {
  const { url } = server;
  const processes = Math.min(4, clients);
  const children = Array.from({ length: processes }, (_, p) => {
    const first = Math.floor((p * clients) / processes);
    const count = Math.floor(((p + 1) * clients) / processes) - first;
    return fork(CLIENT, [url, TOKEN, String(first), String(count), shape], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
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
  const before = groupCommit ? await groupCommitCounts(url) : { batches: 0, operations: 0 };
  const startAt = Date.now() + 100;
  for (const c of children) c.send({ type: "go", startAt, warmupMs, windowMs });
  // serve's CPU at the two ends of the window the clients count cycles in.
  let serverFrom: number | undefined;
  let serverUntil: number | undefined;
  const windowStart = setTimeout(() => (serverFrom = processCpuMicros(server.child.pid)), startAt + warmupMs - Date.now());
  const windowEnd = setTimeout(() => (serverUntil = processCpuMicros(server.child.pid)), startAt + warmupMs + windowMs - Date.now());
  const results = await Promise.all(done).finally(() => {
    clearTimeout(windowStart);
    clearTimeout(windowEnd);
  });
  const after = groupCommit ? await groupCommitCounts(url) : before;
  const latencies = results.flatMap((r) => r.claimLatencies).sort((a, b) => a - b);
  const cycles = Math.max(1, results.reduce((n, r) => n + r.cycles, 0));
  return {
    serverMicrosPerCycle: serverFrom !== undefined && serverUntil !== undefined ? (serverUntil - serverFrom) / cycles : undefined,
    clientMicrosPerCycle: results.reduce((n, r) => n + (r.cpuMicros ?? 0), 0) / cycles,
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

/** A fresh board of TASKS tasks behind its own serve, measured with `clients` agents in one shape. */
async function httpRun(clients: number, shape: Shape, flags: readonly string[] = []): Promise<HttpResult> {
  const httpPath = freshBoardPath();
  await fillBoard(`sqlite:${httpPath}`, TASKS);
  const server = await startServer(httpPath, flags);
  try {
    return await httpCycles(server, clients, shape);
  } finally {
    await stopServer(server);
  }
}

/** The clients against serve's HTTP layer with nothing behind it (bench/http/instant-board-serve.ts). */
async function instantBoardRun(clients: number, shape: Shape): Promise<HttpResult> {
  const server = await startProcess([INSTANT_SERVE]);
  try {
    return await httpCycles(server, clients, shape, false);
  } finally {
    await stopServer(server);
  }
}

/** One row per shape: cycles/s, CPU per cycle of serve and its clients, latency, batch. */
function shapesTable(title: string, results: Record<Shape, HttpResult>): BenchTable {
  return {
    title,
    columns: ["shape", "cycles/s", "serve CPU µs/cycle", "clients CPU µs/cycle", "p50 ms", "p99 ms", "batch"],
    rows: (["two", "one"] as const).map((shape) => [
      shape === "two" ? "2 req/cycle" : "1 req/cycle",
      results[shape].cyclesPerSecond,
      micros(results[shape].serverMicrosPerCycle),
      micros(results[shape].clientMicrosPerCycle),
      results[shape].p50,
      results[shape].p99,
      results[shape].meanBatch || "—",
    ]),
  };
}

const micros = (value: number | undefined): number | string => (value === undefined ? "n/a" : Math.round(value));

async function measure(): Promise<BenchSection> {
  const tables: BenchTable[] = [];
  const ratios: BenchRatio[] = [];
  const rows: (string | number)[][] = [];
  const cpuRows: (string | number)[][] = [];
  const library = new Map<number, number>();
  const overHttp = new Map<Shape, Map<number, number>>([["two", new Map()], ["one", new Map()]]);
  for (const n of clientCounts) {
    const libPath = freshBoardPath();
    await fillBoard(boardUrl(libPath, "normal"), TASKS);
    const lib = await contention(boardUrl(libPath, "normal"), n, { warmupMs, windowMs }, "async");
    library.set(n, lib.cyclesPerSecond);
    const two = await httpRun(n, "two");
    const one = await httpRun(n, "one");
    overHttp.get("two")?.set(n, two.cyclesPerSecond);
    overHttp.get("one")?.set(n, one.cyclesPerSecond);
    const dry = two.exhausted || one.exhausted || lib.exhausted ? "board ran dry" : "";
    rows.push([String(n), lib.cyclesPerSecond, two.cyclesPerSecond, one.cyclesPerSecond, two.p50, two.p99, one.p50, one.p99, two.meanBatch, one.meanBatch, dry]);
    cpuRows.push([
      String(n),
      micros(lib.cpuMicrosPerCycle),
      micros(two.serverMicrosPerCycle),
      micros(two.clientMicrosPerCycle),
      micros(one.serverMicrosPerCycle),
      micros(one.clientMicrosPerCycle),
    ]);
    if (n === 64) {
      ratios.push({ name: "mean group commit batch at 64 HTTP clients, two requests per cycle (operations per store transaction)", value: two.meanBatch });
      ratios.push({ name: "mean group commit batch at 64 HTTP clients, one request per cycle (operations per store transaction)", value: one.meanBatch });
    }
  }
  tables.push({
    title: `claim → complete cycles/s on SQLite (window ${windowMs} ms): library processes vs concurrent HTTP clients (keep-alive connections from up to 4 processes) of one serve; HTTP in two requests per cycle (claim, complete) and in one (complete with claim_next)`,
    columns: ["agents", "library (N processes)", "HTTP 2 req/cycle", "HTTP 1 req/cycle", "2 req p50 ms", "2 req p99 ms", "1 req p50 ms", "1 req p99 ms", "batch 2 req", "batch 1 req", "note"],
    rows,
  });
  tables.push({
    title: "CPU per cycle, µs (user + system over the window): the library processes together; serve and the HTTP client processes, per shape",
    columns: ["agents", "library", "serve, 2 req", "clients, 2 req", "serve, 1 req", "clients, 1 req"],
    rows: cpuRows,
  });
  const largest = Math.max(...clientCounts);
  // The same serve with agents' writes on its main thread (before src/http/writer-thread.ts).
  const oneThread = { two: await httpRun(largest, "two", ["--no-writer-thread"]), one: await httpRun(largest, "one", ["--no-writer-thread"]) };
  tables.push(shapesTable(`serve with --no-writer-thread at ${largest} clients (the board's writes on serve's main thread, beside HTTP)`, oneThread));
  const instant = { two: await instantBoardRun(largest, "two"), one: await instantBoardRun(largest, "one") };
  tables.push(
    shapesTable(
      `serve's HTTP layer alone at ${largest} clients: the same app and clients, a board that answers at once (no store); the ceiling any store behind serve could reach in this run`,
      instant,
    ),
  );
  const one = library.get(1);
  const lib64 = library.get(64);
  if (one) {
    for (const [shape, label] of [["two", "two requests per cycle"], ["one", "one request per cycle"]] as const) {
      ratios.push({ name: `serve --no-writer-thread at ${largest} clients, ${label} ÷ library at 1 process`, value: oneThread[shape].cyclesPerSecond / one });
      ratios.push({ name: `HTTP layer alone (instant board) at ${largest} clients, ${label} ÷ library at 1 process (below 1: out of reach of store work here)`, value: instant[shape].cyclesPerSecond / one });
    }
  }
  for (const [shape, label] of [["two", "two requests per cycle"], ["one", "one request per cycle (claim_next)"]] as const) {
    const http64 = overHttp.get(shape)?.get(64);
    if (one && http64 !== undefined) {
      ratios.push({ name: `HTTP at 64 clients, ${label} ÷ library at 1 process`, value: http64 / one, target: ">= 1", met: http64 >= one });
    }
    if (lib64 && http64 !== undefined) ratios.push({ name: `HTTP at 64 clients, ${label} ÷ library at 64 processes`, value: http64 / lib64 });
  }

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

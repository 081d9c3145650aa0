/**
 * The dashboard on a big SQLite board (100k tasks, 1M events, filled by
 * bench/sqlite/bulk-board.ts): `baton serve` on it, Chromium (playwright-core, Debian's
 * /usr/bin/chromium) opens the board view and the audit view, each in a fresh context (cold
 * cache), and we print the time from navigation start to the first cards / first audit rows
 * visible, the bytes that came over the wire for that first view (CDP encodedDataLength:
 * headers and bodies as sent, compressed or not), how many requests it made and its slowest
 * API call; then the API calls a person makes next (throughput chart, a task's context),
 * timed from here. Targets (issue 13): ≤ 1 s to first render, ≤ 500 KiB for the first view.
 * Knobs: BENCH_DASHBOARD_TASKS [100000], BENCH_DASHBOARD_EVENTS [1000000], BATON_TEST_CHROMIUM.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { fillBoard } from "../sqlite/bulk-board.js";
import type { ChildProcess } from "node:child_process";
import type { Browser } from "playwright-core";
import type { BenchRatio, BenchSection, BenchTable } from "../report.js";

const env = process.env;
const TASKS = Number(env.BENCH_DASHBOARD_TASKS ?? 100_000);
const EVENTS = Number(env.BENCH_DASHBOARD_EVENTS ?? 1_000_000);
const CHROMIUM = env.BATON_TEST_CHROMIUM ?? "/usr/bin/chromium";
const TOKEN = "bench-dashboard-token-0123456789";
const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli", "main.js");
const FIRST_RENDER_TARGET_MS = 1000;
const FIRST_VIEW_TARGET_BYTES = 500 * 1024;

interface ViewFigures {
  firstRenderMs: number;
  bytes: number;
  requests: number;
  slowestApi: string;
  slowestApiMs: number;
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "baton-bench-dashboard-"));
  const path = join(dir, "board.db");
  let server: { url: string; child: ChildProcess } | undefined;
  let browser: Browser | undefined;
  try {
    const t0 = performance.now();
    await fillBoard(path, { tasks: TASKS, events: EVENTS, lastEventAt: Date.now() });
    const fillSeconds = (performance.now() - t0) / 1000;
    const health = spawnSync(process.execPath, [CLI, "health", "--store", `sqlite:${path}`], { encoding: "utf8" });
    if (health.status !== 0) throw new Error(`baton health refused the bench board:\n${health.stdout}${health.stderr}`);
    server = await startServer(path);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    const views: [string, string, string][] = [
      ["board", "/", '[data-testid^="card-"]'],
      ["audit", "/#/audit", '[data-testid="audit-table"] tbody tr'],
    ];
    const figures: [string, ViewFigures][] = [];
    for (const [name, hash, firstThing] of views) figures.push([name, await measureView(browser, server.url, hash, firstThing)]);
    const apiRows: (string | number)[][] = [];
    const firstTask = `T-${Math.ceil(TASKS / 2)}`;
    for (const path of ["/api/stats", "/api/stats/throughput?minutes=60", "/api/stats/throughput?minutes=10080", `/api/tasks/${firstTask}/context`]) {
      const timed = await timedGet(server.url, path);
      apiRows.push([path, timed.status, timed.ms, timed.bytes]);
    }
    const tables: BenchTable[] = [
      {
        title: `First view on ${TASKS.toLocaleString("en-US")} tasks / ${EVENTS.toLocaleString("en-US")} events (cold cache)`,
        columns: ["view", "first render (ms)", "bytes", "requests", "slowest API call", "its time (ms)"],
        rows: figures.map(([name, f]) => [name, f.firstRenderMs, f.bytes, String(f.requests), f.slowestApi, f.slowestApiMs]),
      },
      { title: "API calls a person makes next (from Node, warm server)", columns: ["GET", "status", "ms", "bytes"], rows: apiRows },
    ];
    const ratios: BenchRatio[] = figures.flatMap(([name, f]) => [
      { name: `${name}: first render (ms)`, value: f.firstRenderMs, target: `<= ${FIRST_RENDER_TARGET_MS}`, met: f.firstRenderMs <= FIRST_RENDER_TARGET_MS },
      { name: `${name}: first view (KiB)`, value: f.bytes / 1024, target: `<= ${FIRST_VIEW_TARGET_BYTES / 1024}`, met: f.bytes <= FIRST_VIEW_TARGET_BYTES },
    ]);
    return {
      title: "dashboard",
      tables,
      ratios,
      notes: [`board filled in ${fillSeconds.toFixed(1)} s and passed \`baton health\`; 2 shared cores: times are noisy.`],
    };
  } finally {
    await browser?.close();
    if (server) await stopServer(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One view in a fresh browser context: nothing cached, signed in by the bearer token. */
async function measureView(browser: Browser, url: string, hash: string, firstThing: string): Promise<ViewFigures> {
  const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    const urls = new Map<string, string>();
    const started = new Map<string, number>();
    const bytes = new Map<string, number>();
    let slowest = { path: "", ms: 0 };
    cdp.on("Network.requestWillBeSent", (e) => {
      urls.set(e.requestId, e.request.url);
      started.set(e.requestId, e.timestamp);
    });
    // The live stream never finishes loading: count what it sent so far.
    cdp.on("Network.dataReceived", (e) => bytes.set(e.requestId, (bytes.get(e.requestId) ?? 0) + e.encodedDataLength));
    cdp.on("Network.loadingFinished", (e) => {
      bytes.set(e.requestId, e.encodedDataLength);
      const address = new URL(urls.get(e.requestId) ?? url);
      const ms = (e.timestamp - (started.get(e.requestId) ?? e.timestamp)) * 1000;
      if (address.pathname.startsWith("/api/") && ms > slowest.ms) slowest = { path: address.pathname + address.search, ms };
    });
    await page.goto(`${url}${hash}`);
    await page.locator(firstThing).first().waitFor({ timeout: 60_000 });
    // performance.now() counts from the navigation's start.
    const firstRenderMs = await page.evaluate(() => performance.now());
    // Let the rest of the first view's requests land before summing them.
    await page.waitForLoadState("networkidle", { timeout: 30_000 }).catch(() => undefined);
    return {
      firstRenderMs,
      bytes: [...bytes.values()].reduce((a, b) => a + b, 0),
      requests: urls.size,
      slowestApi: slowest.path,
      slowestApiMs: slowest.ms,
    };
  } finally {
    await context.close();
  }
}

async function timedGet(url: string, path: string): Promise<{ status: number; ms: number; bytes: number }> {
  const t0 = performance.now();
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - t0, bytes: body.byteLength };
}

async function startServer(dbPath: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--json", "--store", `sqlite:${dbPath}`], {
    env: { ...env, BATON_TOKEN: TOKEN },
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

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

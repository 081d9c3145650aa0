/**
 * Real OS processes for the race and crash tests: spawn compiled workers
 * (dist/test/workers/NAME.js, built by `npm run build`), hold them at a start line until all
 * have booted, then let them go together.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildProcess } from "node:child_process";

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The worker's `result {…}` line, parsed; undefined if it never printed one. */
  result: unknown;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves when the worker printed "ready" (its board is open); rejects if it exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<WorkerExit>;
  go(): void;
  kill(): void;
}

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root (package.json)");
    dir = parent;
  }
  return dir;
}

export function workerScript(name: string): string {
  const path = join(repoRoot(), "dist", "test", "workers", `${name}.js`);
  if (!existsSync(path)) throw new Error(`worker ${path} is missing: run \`npm run build\` before this test`);
  return path;
}

export function spawnWorker(name: string, spec: unknown): WorkerProcess {
  return spawnScript(workerScript(name), spec);
}

/** A worker from any compiled script that follows test/workers/barrier.ts (the benchmarks' too). */
export function spawnScript(script: string, spec: unknown): WorkerProcess {
  const name = basename(script, ".js");
  const child = spawn(process.execPath, [script, JSON.stringify(spec)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let markReady: () => void = () => undefined;
  let failReady: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (/^ready$/m.test(stdout)) markReady();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  // A worker killed before reading stdin makes writes fail with EPIPE; that is expected.
  child.stdin!.on("error", () => undefined);
  const exited = new Promise<WorkerExit>((resolve) => {
    child.on("close", (code, signal) => {
      failReady(new Error(`worker ${name} exited (code ${code}, signal ${signal}) before it was ready: ${stderr}`));
      const line = /^result (.*)$/m.exec(stdout);
      resolve({ code, signal, stdout, stderr, result: line ? JSON.parse(line[1] as string) : undefined });
    });
  });
  // A rejection nobody awaits (a worker killed before ready) must not fail the run.
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    go: () => child.stdin!.end("go\n"),
    kill: () => child.kill("SIGKILL"),
  };
}

/**
 * Starts one worker per spec, waits until every one is ready, releases them at once and waits
 * for all to exit. Throws (with its stderr) if any worker fails.
 */
export async function raceWorkers<R>(
  name: string,
  specs: readonly unknown[],
): Promise<{ results: R[]; /** From the start signal until the last worker exited. */ raceMs: number }> {
  return raceScripts(workerScript(name), specs);
}

/** raceWorkers for a script given by its path. */
export async function raceScripts<R>(
  script: string,
  specs: readonly unknown[],
): Promise<{ results: R[]; /** From the start signal until the last worker exited. */ raceMs: number }> {
  const name = basename(script, ".js");
  const workers = specs.map((spec) => spawnScript(script, spec));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (error) {
    for (const w of workers) w.kill();
    throw error;
  }
  const started = performance.now();
  for (const w of workers) w.go();
  const exits = await Promise.all(workers.map((w) => w.exited));
  const raceMs = performance.now() - started;
  const failed = exits.filter((e) => e.code !== 0);
  if (failed.length > 0) {
    throw new Error(`${failed.length} of ${exits.length} ${name} workers failed:\n${failed.map((e) => e.stderr).join("\n")}`);
  }
  // A worker that exits 0 without its result line lost it: an error naming it, never a silent undefined.
  const silent = exits.flatMap((e, i) => (e.result === undefined ? [i + 1] : []));
  if (silent.length > 0) {
    throw new Error(`${name} worker(s) #${silent.join(", #")} of ${exits.length} exited 0 without printing their result line`);
  }
  return { results: exits.map((e) => e.result as R), raceMs };
}

/** The pids of the local writers (src/local-writer/daemon.ts) whose command line contains `text`: a board's path, or a prefix of test boards' directories. */
export function localWriterPids(text: string): number[] {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => line.includes("local-writer/daemon.js") && line.includes(text))
    .map((line) => Number(line.trim().split(/\s+/, 1)[0]));
}

/** Whether something listens on the unix socket at `path` (a board's local writer): connects, and lets go at once. */
export function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

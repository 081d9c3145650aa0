/**
 * Benchmark workers are separate OS processes (dist/bench/postgres/*.js): each opens its own
 * connection, prints "ready", waits for "go" on stdin, works, and prints `result {json}`. The
 * clock runs from "go" to the last exit, so process start-up is not measured.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

interface Running {
  ready: Promise<void>;
  exited: Promise<unknown>;
  go(): void;
  kill(): void;
}

function start(script: string, spec: unknown): Running {
  const child = spawn(process.execPath, [script, JSON.stringify(spec)], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let markReady = (): void => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (/^ready$/m.test(stdout)) markReady();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<unknown>((resolve, reject) =>
    child.on("close", (code) => {
      const line = /^result (.*)$/m.exec(stdout);
      if (code !== 0 || !line) reject(new Error(`${script} exited ${code}: ${stderr}`));
      else resolve(JSON.parse(line[1] as string));
    }),
  );
  // A worker that dies before "ready" must fail the run, not hang it.
  const readyOrExit = Promise.race([ready, exited.then(() => Promise.reject(new Error(`${script} exited before ready: ${stderr}`)))]);
  return { ready: readyOrExit, exited, go: () => child.stdin.end("go\n"), kill: () => child.kill("SIGKILL") };
}

/** Runs `count` workers of `name` together; returns their results and the wall time from "go". */
export async function race<R>(name: string, specs: unknown[]): Promise<{ results: R[]; ms: number }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), `${name}.js`);
  const workers = specs.map((spec) => start(script, spec));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (error) {
    for (const w of workers) w.kill();
    throw error;
  }
  const started = performance.now();
  for (const w of workers) w.go();
  const results = (await Promise.all(workers.map((w) => w.exited))) as R[];
  return { results, ms: performance.now() - started };
}

export async function waitForGo(): Promise<void> {
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => {
    process.stdin.setEncoding("utf8").on("data", (chunk: string) => {
      if (chunk.includes("go")) resolve();
    });
  });
}

export function report(result: unknown): void {
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
}

/**
 * Benchmark workers are separate OS processes (dist/bench/postgres/*.js) on the tests' start
 * line (test/workers/barrier.ts, test/support/processes.ts): each opens its own connection,
 * prints "ready", waits for "go", works, and prints `result {json}`. The clock runs from "go"
 * to the last exit, so process start-up is not measured.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { raceScripts } from "../../test/support/processes.js";

/** Runs one worker of `name` per spec together; returns their results and the wall time from "go". */
export async function race<R>(name: string, specs: unknown[]): Promise<{ results: R[]; ms: number }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), `${name}.js`);
  const { results, raceMs } = await raceScripts<R>(script, specs);
  return { results, ms: raceMs };
}

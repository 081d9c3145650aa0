/**
 * No lost update: many processes each increment one JSON counter under the lock, through
 * `baton lock`, through withFileLock, and mixed with seed-001 bash hand lockers (noclobber).
 * Without the lock, or with a lock one side ignores, increments are lost and the count is short.
 */
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnWorker } from "../support/processes.js";
import { cliLocker, handLocker, lockDir, run } from "./support.js";

const PROCESSES = 16;
const TIMES = 50;
/**
 * Each `baton lock` is a node start plus a shell: the full 16 × 50 = 800 runs cost ~150 s of
 * CPU here (581 s wall on the loaded 2-core machine), so they run in `npm run chaos -- locks`
 * (bench/chaos/file-lock-race.ts); 16 × 5 keeps this file well under a minute.
 */
const CLI_TIMES = 5;
/** The mixed race in the shape: 16 processes × 50, two of them noclobber hand lockers. */
const HAND_LOCKERS = 2;

function counter(file: string): number {
  return (JSON.parse(readFileSync(file, "utf8")) as { n: number }).n;
}

async function libraryWorkers(file: string, count: number, times: number): Promise<Promise<void>[]> {
  const workers = Array.from({ length: count }, () => spawnWorker("file-lock-worker", { mode: "increment", file, times, timeoutMs: 120_000 }));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  return workers.map(async (w) => {
    const exit = await w.exited;
    expect(exit.code, exit.stderr).toBe(0);
  });
}

describe("file locks: no lost update", () => {
  it(`${PROCESSES} processes × ${CLI_TIMES} increments under \`baton lock\` → exactly ${PROCESSES * CLI_TIMES}`, async () => {
    const dir = lockDir();
    const file = join(dir, "state.json");
    writeFileSync(file, '{"n":0}');
    const runs = await Promise.all(Array.from({ length: PROCESSES }, () => run("bash", ["-c", cliLocker(file, CLI_TIMES)], dir)));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(counter(file)).toBe(PROCESSES * CLI_TIMES);
    expect(readdirSync(dir).sort()).toEqual(["state.json"]);
  }, 240_000);

  it(`${PROCESSES} processes × ${TIMES} increments through withFileLock → exactly ${PROCESSES * TIMES}`, async () => {
    const dir = lockDir();
    const file = join(dir, "state.json");
    writeFileSync(file, '{"n":0}');
    await Promise.all(await libraryWorkers(file, PROCESSES, TIMES));
    expect(counter(file)).toBe(PROCESSES * TIMES);
    expect(readdirSync(dir).sort()).toEqual(["state.json"]);
  }, 240_000);

  it(`${PROCESSES - HAND_LOCKERS} withFileLock processes and ${HAND_LOCKERS} bash noclobber hand lockers × ${TIMES} → exactly ${PROCESSES * TIMES}, with a \`baton lock\` loop among them`, async () => {
    const dir = lockDir();
    const file = join(dir, "state.json");
    writeFileSync(file, '{"n":0}');
    const library = await libraryWorkers(file, PROCESSES - HAND_LOCKERS, TIMES);
    const shells = [
      ...Array.from({ length: HAND_LOCKERS }, () => run("bash", ["-c", handLocker(file, TIMES)], dir)),
      run("bash", ["-c", cliLocker(file, CLI_TIMES)], dir),
    ];
    await Promise.all(library);
    for (const r of await Promise.all(shells)) expect(r.code, r.stderr).toBe(0);
    expect(counter(file)).toBe(PROCESSES * TIMES + CLI_TIMES);
    expect(readdirSync(dir).sort()).toEqual(["state.json"]);
  }, 240_000);
});

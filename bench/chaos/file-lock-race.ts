/**
 * The lock race of `baton lock` at full size (issue 16's shape): processes each increment one
 * JSON counter `times` times under the lock — bash loops around `baton lock`, seed-001 bash
 * hand lockers (noclobber FILE.lock) and withFileLock processes mixed as asked. A lost update
 * leaves the counter short; a lock left behind shows as a stray file. The short forms are in
 * test/file-locks/file-locks-count.test.ts: 800 CLI runs take minutes on a 2-core machine
 * (bench/chaos/run.ts prints the time), too long for `npm test`.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnWorker } from "../../test/support/processes.js";
import { cliLocker, handLocker, lockDir, run } from "../../test/support/lockers.js";
import { outcome } from "./figures.js";
import type { ScenarioOutcome } from "./figures.js";

export interface FileLockRace {
  /** Bash loops each running `baton lock FILE -- sh -c increment` `times` times. */
  cliLoops: number;
  /** Seed-001 hand lockers (noclobber create of FILE.lock), `times` increments each. */
  handLockers: number;
  /** Processes calling withFileLock (test/workers/file-lock-worker.ts), `times` increments each. */
  libraryWorkers: number;
  times: number;
}

export async function fileLockRace(race: FileLockRace): Promise<ScenarioOutcome> {
  const dir = lockDir();
  const file = join(dir, "state.json");
  writeFileSync(file, '{"n":0}');
  const started = performance.now();
  const workers = Array.from({ length: race.libraryWorkers }, () => spawnWorker("file-lock-worker", { mode: "increment", file, times: race.times, timeoutMs: 120_000 }));
  await Promise.all(workers.map((w) => w.ready));
  const shells = [
    ...Array.from({ length: race.handLockers }, () => run("bash", ["-c", handLocker(file, race.times)], dir)),
    ...Array.from({ length: race.cliLoops }, () => run("bash", ["-c", cliLocker(file, race.times)], dir)),
  ];
  for (const w of workers) w.go();
  const exits = await Promise.all([...shells, ...workers.map((w) => w.exited)]);
  const wallMs = performance.now() - started;
  for (const e of exits) if (e.code !== 0) process.stderr.write(`locker failed (exit ${e.code}): ${e.stderr}\n`);
  const expected = (race.cliLoops + race.handLockers + race.libraryWorkers) * race.times;
  const { n } = JSON.parse(readFileSync(file, "utf8")) as { n: number };
  const cliRuns = race.cliLoops * race.times;
  const parts = [
    race.cliLoops > 0 ? `${race.cliLoops} \`baton lock\` loops` : "",
    race.handLockers > 0 ? `${race.handLockers} noclobber hand lockers` : "",
    race.libraryWorkers > 0 ? `${race.libraryWorkers} withFileLock processes` : "",
  ].filter(Boolean);
  return outcome(
    `file locks: ${parts.join(" + ")}, × ${race.times} increments`,
    [
      ["increments expected", expected],
      ["wall time (s)", wallMs / 1000],
      ...(cliRuns > 0 ? ([["`baton lock` runs", cliRuns]] as [string, number][]) : []),
    ],
    [
      { name: "lockers failed (LOCK_TIMEOUT or error)", value: exits.filter((e) => e.code !== 0).length, must: 0 },
      { name: "counter (lost updates make it short)", value: n, must: expected },
      { name: "files left beside the counter (locks, temps)", value: readdirSync(dir).length - 1, must: 0 },
    ],
  );
}

/**
 * The local writer under fire (src/local-writer/): `processes` agents race `claims` tasks on
 * one SQLite board with `localWriter`, while the board's writer process is SIGKILLed `kills`
 * times at random instants (each kill waits for the next writer to be up and serving). Every completion a
 * process was told of must be on the board, written by it, and none twice; a call whose answer
 * died with a writer (STORE_UNAVAILABLE) may have committed or not, and nothing else may be off.
 */
import { realpathSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { localWriterPids, raceScripts, workerScript } from "../../test/support/processes.js";
import { freshUrl, patientUrl } from "./boards.js";
import { outcome } from "./figures.js";
import { readBack } from "./read-back.js";
import { seed } from "./scenarios.js";
import type { ScenarioOutcome } from "./figures.js";

interface RaceResult {
  completed: string[];
  counts: { viaWriter: number; direct: number; writersStarted: number };
  lostClaims: number;
  lostCompletions: number;
}

export async function writerKills(claims: number, processes: number, kills: number): Promise<ScenarioOutcome> {
  const url = await freshUrl("sqlite");
  const ids = await seed(url, claims);
  const path = realpathSync(url.replace(/^sqlite:/, "").replace(/\?.*$/, ""));
  const specs = Array.from({ length: processes }, (_, i) => ({ url: patientUrl(url), agent: `racer-${i}`, leaseSeconds: 600, localWriter: true }));
  let racing = true;
  let killed = 0;
  // Each kill waits for a writer, gives it 500 ms to open the board and listen (it takes
  // 150–500 ms here, more under load), then lets it serve for 0–700 ms more.
  const killer = (async () => {
    while (racing && killed < kills) {
      const pids = localWriterPids(path);
      if (pids.length === 0) {
        await sleep(20);
        continue;
      }
      await sleep(500 + Math.random() * 700);
      if (!racing) break;
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
      killed++;
    }
  })();
  let race;
  try {
    race = await raceScripts<RaceResult>(workerScript("race-claimer"), specs);
  } finally {
    racing = false;
    await killer;
  }
  const { results, raceMs } = race;
  // A writer left idle after the race goes by itself; this one is done with.
  for (const pid of localWriterPids(path)) process.kill(pid, "SIGKILL");
  const back = await readBack(url);
  const reported = results.flatMap((r, i) => r.completed.map((id) => ({ id, agent: `racer-${i}` })));
  const byId = new Map(back.tasks.map((t) => [t.id, t]));
  const sum = (f: (r: RaceResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const lostClaims = sum((r) => r.lostClaims);
  const lostCompletions = sum((r) => r.lostCompletions);
  const completedOnBoard = back.tasks.filter((t) => t.status === "completed").length;
  const stillHeld = back.tasks.filter((t) => t.status === "in_progress").length;
  const completedEvents = back.events.filter((e) => e.type === "COMPLETED");
  const perTask = new Map<string, number>();
  for (const e of completedEvents) perTask.set(e.taskId as string, (perTask.get(e.taskId as string) ?? 0) + 1);
  return outcome(
    `local writer: ${claims} racing claims, ${processes} processes, ${kills} writer SIGKILLs`,
    [
      ["claims acknowledged (completions answered)", reported.length],
      ["cycles/s (claim+complete, all processes)", (reported.length / raceMs) * 1000],
      [`writer SIGKILLs (at most ${kills}, while the race lasts)`, killed],
      ["writers started", sum((r) => r.counts.writersStarted)],
      ["calls answered by a writer", sum((r) => r.counts.viaWriter)],
      ["calls written to the board itself", sum((r) => r.counts.direct)],
      ["claims whose answer was lost with a writer", lostClaims],
      ["completions whose answer was lost with a writer", lostCompletions],
      ["tasks completed on the board", completedOnBoard],
      ["tasks held by a claim whose answer was lost", stillHeld],
      ["audit events", back.events.length],
    ],
    [
      { name: "board unreadable", value: back.readable ? 0 : 1, must: 0 },
      { name: "double holds (single-holder check)", value: back.holding.violations.length, must: 0 },
      { name: "tasks completed twice (COMPLETED events)", value: [...perTask.values()].filter((n) => n > 1).length, must: 0 },
      { name: "tasks completed twice (acknowledged)", value: reported.length - new Set(reported.map((r) => r.id)).size, must: 0 },
      {
        name: "lost acknowledged writes",
        value: reported.filter(({ id, agent }) => byId.get(id)?.status !== "completed" || byId.get(id)?.result !== `done by ${agent}`).length,
        must: 0,
      },
      { name: "tasks neither completed nor held by a lost answer", value: ids.length - completedOnBoard - stillHeld, must: 0 },
      { name: "completions beyond those answered or lost", value: Math.max(0, completedOnBoard - reported.length - lostCompletions), must: 0 },
      { name: "held tasks beyond the lost answers", value: Math.max(0, stillHeld - lostClaims - lostCompletions), must: 0 },
      { name: "replay ≠ stored task", value: back.replayMismatches, must: 0 },
      { name: "lease tokens not increasing", value: back.tokenReuses, must: 0 },
    ],
  );
}

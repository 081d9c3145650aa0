/**
 * `npm run chaos [-- store ... | locks | broken] [--claims N] [--processes N] [--kills N] [--stops N] [--faults N]`:
 * the chaos suite for the SQLite, JSON and PostgreSQL stores, the HTTP face, the local writer
 * ("writer": SIGKILLed under a race, bench/chaos/writer-kills.ts) and disk faults;
 * ("locks") the 800-increment race of `baton lock` with hand lockers
 * (bench/chaos/file-lock-race.ts); ("broken") the checks run against a deliberately broken
 * store, which they must flag (bench/chaos/broken-store.ts). Prints a table of figures per scenario (like the bench,
 * never timing assertions) and exits 1 naming every broken invariant.
 */
import { printSection } from "../report.js";
import { BREAKAGES, brokenStoreRace } from "./broken-store.js";
import { fileLockRace } from "./file-lock-race.js";
import { broken } from "./figures.js";
import { stopChaosServers } from "./boards.js";
import { diskFaults } from "./disk-faults.js";
import { httpChaos } from "./http-faults.js";
import { httpStoppedHolder } from "./http-stopped.js";
import { serverFaults } from "./postgres-faults.js";
import { writerKills } from "./writer-kills.js";
import { handAgentsMixedIn, racingClaims, randomKills, stoppedHolder } from "./scenarios.js";
import type { ScenarioOutcome } from "./figures.js";
import type { ChaosStore } from "./boards.js";

type Target = ChaosStore | "http" | "writer" | "disk";
const STORES: readonly Target[] = ["sqlite", "json", "postgres", "http", "writer", "disk"];
/** Sections that are not stores: run with the stores by default, or alone when named. */
const EXTRAS = ["locks", "broken"] as const;
type Section = Target | (typeof EXTRAS)[number];
/**
 * The order a full run goes in: JSON last, as it is the slow one by design (about 10 min for
 * 10,000 claims on a quiet machine, far longer on a loaded one), so a run cut short has already
 * printed every other section.
 */
const ORDER: readonly Section[] = ["sqlite", "postgres", "http", "writer", "disk", "locks", "broken", "json"];
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} needs a whole number ≥ 1, got "${args[at + 1] ?? ""}"`);
    process.exit(2);
  }
  args.splice(at, 2);
  return value;
};
const claims = option("claims", 10_000);
const processesGiven = args.includes("--processes");
const processes = option("processes", 16);
/**
 * HTTP clients: 32 unless --processes says otherwise. One serve process does the work; more
 * clients keep it busy while others boot or are killed (see the cycles/s figure).
 */
const httpClients = processesGiven ? processes : 32;
const kills = option("kills", 200);
const stops = option("stops", 3);
const faults = option("faults", 12);
const unknown = args.filter((a) => !STORES.includes(a as Target) && !(EXTRAS as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown chaos store or option "${unknown.join(" ")}"; stores: ${STORES.join(", ")}; also: ${EXTRAS.join(", ")}; options: --claims --processes --kills --stops --faults`);
  process.exit(2);
}
const named = args.length > 0 ? ORDER.filter((s) => args.includes(s)) : ORDER;

const failures: string[] = [];
try {
  for (const section of named) {
    // A section that throws (a worker that failed outright) is reported and the run goes on.
    try {
      await runSection(section);
    } catch (error) {
      console.error(`\nchaos: ${section} stopped: ${error instanceof Error ? error.message : String(error)}`);
      failures.push(`${section}: the section stopped with an error (above)`);
    }
  }
} finally {
  await stopChaosServers();
}
if (failures.length > 0) {
  console.error(`\nbroken invariants:\n${failures.map((f) => `  ✗ ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("every invariant held");

async function runSection(section: Section): Promise<void> {
  if (section === "locks") return fileLocks();
  if (section === "broken") return brokenStore();
  return runStore(section);
}

/** Issue 16's race: 16 processes × 50 increments under `baton lock` = exactly 800, then the same 16 × 50 with two of them seed-001 noclobber hand lockers. */
async function fileLocks(): Promise<void> {
  const outcomes = [
    await fileLockRace({ cliLoops: 16, handLockers: 0, libraryWorkers: 0, times: 50 }),
    await fileLockRace({ cliLoops: 14, handLockers: 2, libraryWorkers: 0, times: 50 }),
  ];
  printSection({ title: "chaos: file locks", tables: outcomes.map((o) => o.table), ratios: [] });
  for (const o of outcomes) failures.push(...broken(o.table.title, o));
}

/** The checks must fail on a broken store: here each breakage's ✗ is expected, and a breakage the checks miss is the failure. */
async function brokenStore(): Promise<void> {
  const outcomes = await Promise.all(BREAKAGES.map((b) => brokenStoreRace("sqlite", b)));
  printSection({ title: "chaos: the checks against a deliberately broken store (✗ expected)", tables: outcomes.map((o) => o.table), ratios: [] });
  outcomes.forEach((o, i) => {
    if (broken(o.table.title, o).length === 0) failures.push(`${o.table.title}: no check flagged the breakage ${BREAKAGES[i]}`);
  });
}

async function runStore(store: Target): Promise<void> {
  if (store === "disk") return diskChaos();
  if (store === "writer") return localWriter();
  const outcomes: ScenarioOutcome[] = store === "http" ? await httpFace() : [
    await racingClaims(store, claims, processes),
    // Enough tasks that the lanes never run dry before the last kill (JSON works ~20× slower).
    await randomKills(store, kills, 4, kills * (store === "json" ? 10 : 40)),
    await stoppedHolder(store, stops),
  ];
  if (store === "json") outcomes.push(await handAgentsMixedIn(3, 2, 20));
  if (store === "postgres") outcomes.push(await serverFaults(faults * 250, 8, faults));
  printSection({ title: `chaos: ${store}`, tables: outcomes.map((o) => o.table), ratios: [] });
  for (const o of outcomes) failures.push(...broken(o.table.title, o));
}

/**
 * The HTTP face on a SQLite board: a clean race counted event for event; the same size under
 * `kills` SIGKILLs (a few of the serve process, the rest of clients); holders SIGSTOPped past
 * their lease.
 */
async function httpFace(): Promise<ScenarioOutcome[]> {
  const serverKills = Math.max(1, Math.ceil(faults / 2));
  return [
    await httpChaos(claims, httpClients, 0, 0),
    await httpChaos(claims, httpClients, Math.max(1, kills - serverKills), serverKills),
    await httpStoppedHolder(stops),
  ];
}

/**
 * The local writer (src/local-writer/) on a SQLite board: a race of 64 processes (or
 * --processes) through it with faults × 2 writer SIGKILLs (24 by default).
 */
async function localWriter(): Promise<void> {
  const outcome = await writerKills(claims, processesGiven ? processes : 64, faults * 2);
  printSection({ title: "chaos: the local writer", tables: [outcome.table], ratios: [] });
  failures.push(...broken(outcome.table.title, outcome));
}

/** Disk faults on SQLite and JSON boards; printed as skipped (with the reason) where this machine cannot mount. */
async function diskChaos(): Promise<void> {
  const outcomes: ScenarioOutcome[] = [];
  for (const store of ["sqlite", "json"] as const) {
    const result = await diskFaults(store);
    if (typeof result === "string") {
      console.log(`\n## chaos: disk (${store})\n\n${result}`);
      continue;
    }
    outcomes.push(result);
  }
  if (outcomes.length > 0) printSection({ title: "chaos: disk", tables: outcomes.map((o) => o.table), ratios: [] });
  for (const o of outcomes) failures.push(...broken(o.table.title, o));
}

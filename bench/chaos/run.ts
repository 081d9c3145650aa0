/**
 * `npm run chaos [-- store ... | locks | broken] [--claims N] [--processes N] [--kills N] [--stops N]`: the
 * chaos suite for the SQLite and JSON stores, and ("locks") the 800-increment race of
 * `baton lock` with hand lockers (bench/chaos/file-lock-race.ts), and ("broken") the checks run
 * against a deliberately broken store, which they must flag (bench/chaos/broken-store.ts). Prints a table of figures per scenario (like the bench,
 * never timing assertions) and exits 1 naming every broken invariant.
 */
import { printSection } from "../report.js";
import { BREAKAGES, brokenStoreRace } from "./broken-store.js";
import { fileLockRace } from "./file-lock-race.js";
import { broken } from "./figures.js";
import { handAgentsMixedIn, racingClaims, randomKills, stoppedHolder } from "./scenarios.js";
import type { ScenarioOutcome } from "./figures.js";
import type { ChaosStore } from "./scenarios.js";

const STORES: readonly ChaosStore[] = ["sqlite", "json"];
/** Sections that are not stores: run with the stores by default, or alone when named. */
const EXTRAS = ["locks", "broken"] as const;
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
const processes = option("processes", 16);
const kills = option("kills", 200);
const stops = option("stops", 3);
const unknown = args.filter((a) => !STORES.includes(a as ChaosStore) && !(EXTRAS as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown chaos store or option "${unknown.join(" ")}"; stores: ${STORES.join(", ")}; also: ${EXTRAS.join(", ")}; options: --claims --processes --kills --stops`);
  process.exit(2);
}
const stores = args.length > 0 ? STORES.filter((s) => args.includes(s)) : STORES;
const extras = args.length > 0 ? EXTRAS.filter((e) => args.includes(e)) : EXTRAS;

const failures: string[] = [];
for (const store of stores) {
  const outcomes: ScenarioOutcome[] = [
    await racingClaims(store, claims, processes),
    // Enough tasks that the lanes never run dry before the last kill (JSON works ~20× slower).
    await randomKills(store, kills, 4, kills * (store === "json" ? 10 : 40)),
    await stoppedHolder(store, stops),
  ];
  if (store === "json") outcomes.push(await handAgentsMixedIn(3, 2, 20));
  printSection({ title: `chaos: ${store}`, tables: outcomes.map((o) => o.table), ratios: [] });
  for (const o of outcomes) failures.push(...broken(o.table.title, o));
}
if (extras.includes("locks")) {
  // Issue 16's race: 16 processes × 50 increments under `baton lock` = exactly 800, then the
  // same 16 × 50 with two of them seed-001 noclobber hand lockers.
  const outcomes = [
    await fileLockRace({ cliLoops: 16, handLockers: 0, libraryWorkers: 0, times: 50 }),
    await fileLockRace({ cliLoops: 14, handLockers: 2, libraryWorkers: 0, times: 50 }),
  ];
  printSection({ title: "chaos: file locks", tables: outcomes.map((o) => o.table), ratios: [] });
  for (const o of outcomes) failures.push(...broken(o.table.title, o));
}
if (extras.includes("broken")) {
  // The checks must fail on a broken store: here each breakage's ✗ is expected, and a breakage
  // the checks miss is the failure.
  const outcomes = await Promise.all(BREAKAGES.map((b) => brokenStoreRace("sqlite", b)));
  printSection({ title: "chaos: the checks against a deliberately broken store (✗ expected)", tables: outcomes.map((o) => o.table), ratios: [] });
  outcomes.forEach((o, i) => {
    if (broken(o.table.title, o).length === 0) failures.push(`${o.table.title}: no check flagged the breakage ${BREAKAGES[i]}`);
  });
}
if (failures.length > 0) {
  console.error(`\nbroken invariants:\n${failures.map((f) => `  ✗ ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("every invariant held");

/**
 * `npm run chaos [-- store ...] [--claims N] [--processes N] [--kills N] [--stops N] [--faults N]`:
 * the chaos suite for the SQLite, JSON and PostgreSQL stores. Prints a table of figures per scenario (like the bench,
 * never timing assertions) and exits 1 naming every broken invariant.
 */
import { printSection } from "../report.js";
import { broken } from "./figures.js";
import { stopChaosServers } from "./boards.js";
import { diskFaults } from "./disk-faults.js";
import { httpChaos } from "./http-faults.js";
import { serverFaults } from "./postgres-faults.js";
import { handAgentsMixedIn, racingClaims, randomKills, stoppedHolder } from "./scenarios.js";
import type { ScenarioOutcome } from "./figures.js";
import type { ChaosStore } from "./boards.js";

type Target = ChaosStore | "http" | "disk";
const STORES: readonly Target[] = ["sqlite", "json", "postgres", "http", "disk"];
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
const faults = option("faults", 12);
const unknown = args.filter((a) => !STORES.includes(a as Target));
if (unknown.length > 0) {
  console.error(`unknown chaos store or option "${unknown.join(" ")}"; stores: ${STORES.join(", ")}; options: --claims --processes --kills --stops --faults`);
  process.exit(2);
}
const stores = args.length > 0 ? (args as Target[]) : STORES;

const failures: string[] = [];
try {
  for (const store of stores) await runStore(store);
} finally {
  await stopChaosServers();
}
if (failures.length > 0) {
  console.error(`\nbroken invariants:\n${failures.map((f) => `  ✗ ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("every invariant held");

async function runStore(store: Target): Promise<void> {
  if (store === "disk") return diskChaos();
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

/** The HTTP face on a SQLite board: a clean race counted event for event, then the same size under client and server SIGKILLs. */
async function httpFace(): Promise<ScenarioOutcome[]> {
  return [await httpChaos(claims, processes, 0, 0), await httpChaos(claims, processes, Math.ceil(kills / 4), Math.max(1, Math.ceil(faults / 2)))];
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

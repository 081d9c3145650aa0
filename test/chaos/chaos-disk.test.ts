/**
 * The short form of `npm run chaos -- disk` (bench/chaos/disk-faults.ts), on SQLite and JSON: a
 * board on a full tmpfs, on one remounted read-only, and under an agent whose board directory
 * is made read-only for 200 of its adds. Each asserts every invariant exactly (exit codes, error
 * codes, acknowledged writes on the board afterwards), never a timing. It needs root (to mount
 * a tmpfs and to run the agents as nobody, whom permission bits stop); elsewhere it is skipped
 * with the reason printed. Every tmpfs is unmounted in afterAll, even after a failure.
 */
import { afterAll, describe, expect, it } from "vitest";
import { broken } from "../../bench/chaos/figures.js";
import { diskFaults, diskFaultsUnavailable, unmountAll } from "../../bench/chaos/disk-faults.js";
import type { ScenarioOutcome } from "../../bench/chaos/figures.js";

const TIMEOUT_MS = 300_000; // generous: each step spawns CLI processes on a possibly loaded machine
const unavailable = diskFaultsUnavailable();
if (unavailable !== null) console.log(`test/chaos/chaos-disk.test.ts: ${unavailable}`);

/** The figure named `name` of the run, as printed. */
function figure(result: ScenarioOutcome, name: string): number {
  return Number(result.table.rows.find((row) => row[0] === name)?.[1]);
}

describe.skipIf(unavailable !== null)(`chaos (short): disk faults${unavailable ? ` (${unavailable})` : ""}`, () => {
  afterAll(() => unmountAll());

  for (const store of ["sqlite", "json"] as const) {
    it(`${store}: full disk, read-only remount, permissions changed under an agent: clear refusals, nothing acknowledged lost, works again after`, { timeout: TIMEOUT_MS }, async () => {
      // 8 KiB given back per add: from none to enough within 12 adds on either store.
      const result = await diskFaults(store, { fullDiskSteps: 12, stepBytes: 8192 });
      if (typeof result === "string") throw new Error(result);
      expect(broken(result.table.title, result)).toEqual([]);
      expect(result.invariants.length).toBeGreaterThan(20);
      // The faults happened: the full disk refused some adds, and the agent made all 200 of
      // its attempts while its directory was read-only.
      expect(figure(result, "full disk: adds refused (exit 1, STORE_UNAVAILABLE naming the disk)")).toBeGreaterThan(0);
      const during =
        figure(result, "permissions: adds accepted while read-only (through handles opened before)") +
        figure(result, "permissions: adds refused while read-only");
      expect(during).toBeGreaterThanOrEqual(200);
    });
  }
});

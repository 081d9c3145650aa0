/**
 * The chaos suite's checks can fail: agents racing on a deliberately broken store
 * (test/support/broken-store.ts, driven by bench/chaos/broken-store.ts) leave a board that
 * bench/chaos/read-back.ts — the checks of `npm run chaos` and test/chaos/chaos-short.test.ts —
 * flags: a reused token, a lost event, a double hold. The same race on the real store is clean.
 */
import { describe, expect, it } from "vitest";
import { brokenStoreRace } from "../../bench/chaos/broken-store.js";
import { broken } from "../../bench/chaos/figures.js";
import type { ChaosStore } from "../../bench/chaos/scenarios.js";
import type { ScenarioOutcome } from "../../bench/chaos/figures.js";

const TIMEOUT_MS = 60_000; // generous: the machine may be loaded; nothing here asserts speed

/** The names of the invariants the run broke. */
function brokenNames(o: ScenarioOutcome): string[] {
  return o.invariants.filter((i) => i.value !== i.must).map((i) => i.name);
}

for (const store of ["sqlite", "json"] as ChaosStore[]) {
  describe(`the chaos checks catch a broken store: ${store}`, () => {
    it("the real store: every check clean (the control)", { timeout: TIMEOUT_MS }, async () => {
      const o = await brokenStoreRace(store);
      expect(broken(o.table.title, o)).toEqual([]);
      expect(o.table.rows[0]).toEqual(["completions fenced (LEASE_LOST)", "0", ""]);
    });

    it("a store that reuses lease tokens: 'lease tokens not increasing' flags it", { timeout: TIMEOUT_MS }, async () => {
      expect(brokenNames(await brokenStoreRace(store, "reuse-token"))).toContain("lease tokens not increasing");
    });

    it("a store that drops events: 'replay ≠ stored task' and 'missing COMPLETED events' flag it", { timeout: TIMEOUT_MS }, async () => {
      expect(brokenNames(await brokenStoreRace(store, "lose-event"))).toEqual(expect.arrayContaining(["replay ≠ stored task", "missing COMPLETED events"]));
    });

    it("a store whose claim skips the holder check: the single-holder walk flags double holds", { timeout: TIMEOUT_MS }, async () => {
      const o = await brokenStoreRace(store, "skip-holder-check");
      expect(brokenNames(o)).toContain("double holds (single-holder check)");
      expect(Number(o.table.rows[0]?.[1])).toBeGreaterThan(0); // the first holders were fenced
    });
  });
}

/**
 * The short forms of `npm run chaos` (bench/chaos/): the same scenarios and invariants on the
 * SQLite and JSON stores at a size `npm test` can afford — a few hundred racing claims, 20
 * SIGKILLs, one SIGSTOP/SIGCONT of a holder past its lease, hand agents on the JSON board.
 * Each asserts that no invariant is broken (every count exactly its bound), never a timing.
 */
import { describe, expect, it } from "vitest";
import { broken } from "../../bench/chaos/figures.js";
import { handAgentsMixedIn, racingClaims, randomKills, stoppedHolder } from "../../bench/chaos/scenarios.js";
import { writerKills } from "../../bench/chaos/writer-kills.js";
import type { ScenarioOutcome } from "../../bench/chaos/figures.js";
import type { ChaosStore } from "../../bench/chaos/scenarios.js";

const TIMEOUT_MS = 600_000; // generous: at load 60 the JSON kill test took 107 s; nothing here asserts speed

function expectSound(result: ScenarioOutcome): void {
  expect(broken(result.table.title, result)).toEqual([]);
  // The scenario measured something: its invariants are not vacuous.
  expect(result.invariants.length).toBeGreaterThan(0);
}

for (const store of ["sqlite", "json"] as ChaosStore[]) {
  describe(`chaos (short): ${store}`, () => {
    it("300 claims raced by 8 processes: no double hold, no lost update, no missing or extra event", { timeout: TIMEOUT_MS }, async () => {
      const result = await racingClaims(store, 300, 8);
      expectSound(result);
      expect(result.table.rows[0]).toEqual(["claims acknowledged", "300", ""]);
    });

    it("20 SIGKILLs at random instants: the board is sound and every acknowledged completion is on it", { timeout: TIMEOUT_MS }, async () => {
      expectSound(await randomKills(store, 20, 4, 800));
    });

    it("a holder SIGSTOPped past its lease and SIGCONTed: all 4 of its late writes are fenced", { timeout: TIMEOUT_MS }, async () => {
      const result = await stoppedHolder(store, 1);
      expectSound(result);
      expect(result.invariants.find((i) => i.name === "late writes fenced")).toEqual({ name: "late writes fenced", value: 4, must: 4 });
    });
  });
}

describe("chaos (short): json with seed-001 hand agents", () => {
  it("2 baton processes and 2 hand agents: every task completed exactly once, nothing lost", { timeout: TIMEOUT_MS }, async () => {
    expectSound(await handAgentsMixedIn(2, 2, 10));
  });
});

describe("chaos (short): the local writer", () => {
  it("3,000 claims raced by 12 processes through it while it is SIGKILLed 3 times: nothing acknowledged lost, nothing done twice", { timeout: TIMEOUT_MS }, async () => {
    const result = await writerKills(3000, 12, 3);
    expectSound(result);
    const figure = (name: string): string | number | undefined => result.table.rows.find((r) => r[0] === name)?.[1];
    // The race went through writers, and they were killed under it.
    expect(Number(figure("calls answered by a writer"))).toBeGreaterThan(0);
    expect(Number(figure("writer SIGKILLs (at most 3, while the race lasts)"))).toBeGreaterThan(0);
  });
});


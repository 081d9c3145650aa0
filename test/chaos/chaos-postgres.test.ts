/**
 * The short form of `npm run chaos -- postgres` (bench/chaos/): on a throwaway PostgreSQL
 * server (test/support/postgres-server.ts), racing claims, SIGKILLs, a holder SIGSTOPped past
 * its lease, and the server faults — backends terminated, restarts (fast and immediate) and a
 * 1.5 s outage — under working agents. Each asserts every invariant exactly, never a timing.
 */
import { afterAll, expect, it } from "vitest";
import { stopChaosServers } from "../../bench/chaos/boards.js";
import { broken } from "../../bench/chaos/figures.js";
import { serverFaults } from "../../bench/chaos/postgres-faults.js";
import { racingClaims, randomKills, stoppedHolder } from "../../bench/chaos/scenarios.js";
import type { ScenarioOutcome } from "../../bench/chaos/figures.js";

const TIMEOUT_MS = 180_000; // generous: the machine may be loaded; nothing here asserts speed

afterAll(() => stopChaosServers(), TIMEOUT_MS);

function expectSound(result: ScenarioOutcome): void {
  expect(broken(result.table.title, result)).toEqual([]);
  expect(result.invariants.length).toBeGreaterThan(0);
}

it("postgres: 300 claims raced by 8 processes: no double hold, no lost update, no missing or extra event", { timeout: TIMEOUT_MS }, async () => {
  const result = await racingClaims("postgres", 300, 8);
  expectSound(result);
  expect(result.table.rows[0]).toEqual(["claims acknowledged", "300", ""]);
});

it("postgres: 10 SIGKILLs at random instants: the board is sound and every acknowledged completion is on it", { timeout: TIMEOUT_MS }, async () => {
  expectSound(await randomKills("postgres", 10, 2, 600));
});

it("postgres: a holder SIGSTOPped past its lease and SIGCONTed: all 4 of its late writes are fenced", { timeout: TIMEOUT_MS }, async () => {
  const result = await stoppedHolder("postgres", 1);
  expectSound(result);
  expect(result.invariants.find((i) => i.name === "late writes fenced")).toEqual({ name: "late writes fenced", value: 4, must: 4 });
});

it("postgres: backends terminated, restarts fast and immediate, a 1.5 s outage under 6 agents: every acknowledged write kept, none partial", { timeout: TIMEOUT_MS }, async () => {
  const result = await serverFaults(800, 6, 4);
  expectSound(result);
  // One of each fault landed while work was left (the first invariant), and agents met the outage.
  expect(result.table.rows.slice(0, 4).map((r) => r[1])).toEqual(["1", "1", "1", "1"]);
});

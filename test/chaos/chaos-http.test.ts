/**
 * The short form of `npm run chaos -- http` (bench/chaos/http-faults.ts): HTTP client processes
 * of a `baton serve` process on a SQLite board, racing cleanly, then with clients and the serve
 * process SIGKILLed mid-race, and HTTP holders SIGSTOPped past their lease. Each asserts every
 * invariant exactly, never a timing.
 */
import { expect, it } from "vitest";
import { broken } from "../../bench/chaos/figures.js";
import { httpChaos } from "../../bench/chaos/http-faults.js";
import { httpStoppedHolder } from "../../bench/chaos/http-stopped.js";
import type { ScenarioOutcome } from "../../bench/chaos/figures.js";

const TIMEOUT_MS = 600_000; // generous: at load 70 the kill test took 155 s; nothing here asserts speed

function expectSound(result: ScenarioOutcome): void {
  expect(broken(result.table.title, result)).toEqual([]);
  expect(result.invariants.length).toBeGreaterThan(0);
}

it("http: 300 claims raced by 6 client processes: each completed once, no missing or extra event", { timeout: TIMEOUT_MS }, async () => {
  const result = await httpChaos(300, 6, 0, 0);
  expectSound(result);
  expect(result.table.rows[0]).toEqual(["completions acknowledged (HTTP 200)", "300", ""]);
});

it("http: 4 clients and 2 serve processes SIGKILLed mid-race: no acknowledged write lost, none applied twice", { timeout: TIMEOUT_MS }, async () => {
  expectSound(await httpChaos(400, 6, 4, 2));
});

it("http: 2 holders SIGSTOPped past their lease through serve: all 8 late writes refused, the new holders keep their tasks", { timeout: TIMEOUT_MS }, async () => {
  const result = await httpStoppedHolder(2);
  expectSound(result);
  expect(result.invariants.find((i) => i.name.startsWith("late writes fenced"))).toMatchObject({ value: 8, must: 8 });
});

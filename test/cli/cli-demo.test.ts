/**
 * `baton demo`, the README's first command, without a terminal (as in CI): real agent
 * processes finish the graph, the output shows the retry, the killed agent's lease timeout
 * and the audit summary, it exits 0, and it removes its temporary board.
 */
import { existsSync } from "node:fs";
import { expect, test } from "vitest";
import { batonAsync } from "./cli.js";
import { tmpdir } from "node:os";

test("the demo runs to completion: a retry, a lease timeout after a SIGKILL, the summary, exit 0", async () => {
  const started = Date.now();
  const result = await batonAsync(["demo"], { cwd: tmpdir() });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const out = result.stdout;
  expect(out).not.toMatch(/\x1b\[/); // no colour codes without a terminal
  expect(out).toMatch(/FAILED +T-6 .*attempt 1\/3 failed/);
  expect(out).toMatch(/RETRY_SCHEDULED T-6/);
  expect(out).toMatch(/SIGKILL → \w+ \(pid \d+\) while it holds T-5/);
  expect(out).toMatch(/TIMEOUT +T-5 .*lease expired/);
  expect(out).toMatch(/12\/12 tasks completed in [\d.]+ s by 4 agent processes \(1 killed\)/);
  expect(out).toMatch(/events by type: .*COMPLETED 12/);
  expect(out).toMatch(/retry: T-6 failed on \w+ .*ready again [\d.]+ s later \(backoff\) and was completed by \w+/);
  expect(out).toMatch(/lease timeout: \w+ was killed holding T-5; its lease expired, the next claim recovered it, and \w+ finished it/);
  expect(out).toContain("audit check: every task completed exactly once; no task was ever held by two agents at once");
  expect(Date.now() - started).toBeLessThan(60_000);
  const board = /board: sqlite:(\S+)\/board\.db/.exec(out)?.[1] as string;
  expect(board).toBeDefined();
  expect(existsSync(board)).toBe(false);
});

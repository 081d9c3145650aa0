/**
 * The JSON file store runs the whole conformance suite, its races with 8 OS processes.
 * Workers inherit BATON_JSON_STALE_LOCK_MS: a lock left by a SIGKILLed worker is broken once
 * it is 500 ms old (its pid being gone is checked too), not after the default 10 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { runConformanceSuite } from "../conformance/suite.js";

process.env.BATON_JSON_STALE_LOCK_MS = "500";
const root = mkdtempSync(join(tmpdir(), "baton-json-conformance-"));
let boards = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

runConformanceSuite({
  name: "json",
  freshUrl: async () => `json:${join(mkdtempSync(join(root, `board-${++boards}-`)), "tasks.json")}`,
  raceProcesses: 8,
});

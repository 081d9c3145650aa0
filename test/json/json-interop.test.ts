/**
 * Interop (SPEC §4): agents that follow seed 001 by hand — a bash script with a noclobber lock
 * file, jq read-modify-write in place, rm of the lock — work on the same tasks.json at the same
 * time as baton agent processes. Both sides add tasks and both take them: every task is
 * completed exactly once, and no change of either side is lost.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnWorker } from "../support/processes.js";
import { freshDir, open } from "./json-boards.js";
import type { Row } from "./json-boards.js";

const HAND_AGENTS = 2;
const HAND_ADDS = 10;
const BATON_AGENTS = 3;
const BATON_ADDS = 15;
const TOTAL = HAND_AGENTS * HAND_ADDS + BATON_AGENTS * BATON_ADDS;
const SCRIPT = join(import.meta.dirname, "..", "interop", "hand-agent.sh");

function runHandAgent(dir: string, agent: string): Promise<{ code: number | null; completed: string[]; stderr: string }> {
  const child = spawn("bash", [SCRIPT, dir, agent, String(HAND_ADDS), String(TOTAL)], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((resolve) =>
    child.on("close", (code) =>
      resolve({ code, stderr, completed: [...stdout.matchAll(/^completed (\S+)$/gm)].map((m) => m[1] as string) }),
    ),
  );
}

describe("json store: interop with agents following seed 001 by hand", () => {
  it(`${HAND_AGENTS} bash+jq agents and ${BATON_AGENTS} baton processes on one tasks.json: all ${TOTAL} tasks completed exactly once, nothing lost`, async () => {
    const dir = freshDir();
    const path = join(dir, "tasks.json");
    await (await open(path)).close();
    const baton = Array.from({ length: BATON_AGENTS }, (_, i) =>
      spawnWorker("json-interop-agent", {
        url: `json:${path}`,
        agent: `baton-${i}`,
        adds: BATON_ADDS,
        expect: TOTAL,
        handsReady: Array.from({ length: HAND_AGENTS }, (_, h) => join(dir, `.hand-${h}.adding-done`)),
      }),
    );
    await Promise.all(baton.map((w) => w.ready));
    for (const w of baton) w.go();
    const hands = Array.from({ length: HAND_AGENTS }, (_, i) => runHandAgent(dir, `hand-${i}`));
    const [batonExits, handExits] = await Promise.all([Promise.all(baton.map((w) => w.exited)), Promise.all(hands)]);
    for (const exit of batonExits) expect(exit.code, exit.stderr).toBe(0);
    for (const exit of handExits) expect(exit.code, exit.stderr).toBe(0);

    const byBaton = batonExits.flatMap((e) => (e.result as { completed: string[] }).completed);
    const byHand = handExits.flatMap((e) => e.completed);
    const all = [...byBaton, ...byHand];
    expect(byHand.length).toBeGreaterThan(0);
    expect(byBaton.length).toBeGreaterThan(0);
    expect(all).toHaveLength(TOTAL);
    expect(new Set(all).size).toBe(TOTAL);

    const rows = JSON.parse(readFileSync(path, "utf8")) as Row[];
    expect(rows).toHaveLength(TOTAL);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(all));
    expect(rows.filter((r) => r.status === "COMPLETED")).toHaveLength(TOTAL);
    expect(rows.filter((r) => String(r.id).startsWith("H-"))).toHaveLength(HAND_AGENTS * HAND_ADDS);
    for (const row of rows) {
      const events = (row.history as Row[]).map((h) => h.event);
      const handMade = String(row.id).startsWith("H-");
      const handDone = byHand.includes(row.id as string);
      // Each side's history entries survive the other side's rewrites of the file.
      expect(events[0]).toBe("CREATED");
      expect(events.slice(1)).toEqual(handDone ? ["STATUS_CHANGED", "STATUS_CHANGED"] : ["CLAIMED", "COMPLETED"]);
      if (handMade) expect((row.history as Row[])[0]).toMatchObject({ details: "added by hand" });
      if (!handDone) expect(row.result).toBe(`done by ${row.assigned_to as string}`);
      else expect(row.assigned_to).toMatch(/^hand-/);
    }
    // baton's audit trail holds exactly baton's own changes.
    const board = await open(path);
    const events = await board.audit();
    expect(events.filter((e) => e.type === "CREATED")).toHaveLength(BATON_AGENTS * BATON_ADDS);
    expect(events.filter((e) => e.type === "COMPLETED").map((e) => e.taskId).sort()).toEqual([...byBaton].sort());
    console.log(`interop: ${byBaton.length} tasks completed by baton, ${byHand.length} by hand`);
  });
});

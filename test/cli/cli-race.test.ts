/**
 * Mutual exclusion through the CLI: 8 worker processes, each looping `baton claim --json` /
 * `baton done ID --token N` on one board of 200 tasks until claim exits 5. Every task is
 * completed exactly once, and the audit trail never shows a task held by two agents at once.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "vitest";
import { eventFromWire } from "../../src/core/wire-shape.js";
import { openBoard } from "../../src/index.js";
import { checkSingleHolder } from "../conformance/checks.js";
import type { WireObject } from "../../src/core/wire-shape.js";
import { CLI, batonJson, freshBoardDir } from "./cli.js";

const PROCESSES = 8;
const TASKS = 200;
const WORKER = join(process.cwd(), "dist/test/workers/cli-claimer.js");

interface WorkerReport {
  agent: string;
  completed: string[];
  unexpected: string[];
}

function runWorker(cwd: string, agent: string): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, CLI, cwd, agent], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as WorkerReport) : reject(new Error(`worker ${agent} exit ${code}`))));
  });
}

test(`${PROCESSES} processes racing through the CLI complete each of ${TASKS} tasks exactly once, never two holders at once`, async () => {
  const cwd = freshBoardDir();
  const board = await openBoard(`sqlite:${join(cwd, ".baton", "board.db")}`);
  await board.addMany(Array.from({ length: TASKS }, (_, i) => ({ title: `task ${i + 1}` })));
  await board.close();

  const reports = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => runWorker(cwd, `cli-agent-${i + 1}`)));

  expect(reports.flatMap((r) => r.unexpected)).toEqual([]);
  const completedIds = reports.flatMap((r) => r.completed);
  expect(completedIds.length).toBe(TASKS);
  expect(new Set(completedIds).size).toBe(TASKS);
  expect(reports.filter((r) => r.completed.length > 0).length).toBeGreaterThan(1);

  const tasks = batonJson<{ id: string; status: string }[]>(["list", "--all"], { cwd });
  expect(tasks.length).toBe(TASKS);
  expect(tasks.filter((t) => t.status === "completed").length).toBe(TASKS);

  const events = batonJson<WireObject[]>(["audit", "--all"], { cwd }).map(eventFromWire);
  // The single-holder check the demo runs too (src/core/holding.ts).
  const report = checkSingleHolder(events);
  expect(events.filter((e) => e.type === "CLAIMED").length).toBe(TASKS);
  expect(report.completions.size).toBe(TASKS);
  expect([...report.completions.values()].every((n) => n === 1)).toBe(true);
}, 480_000); // ~420 CLI calls: ~60 s on an idle 2-core machine, more when it is shared; workers end on exit 5, not on a timer

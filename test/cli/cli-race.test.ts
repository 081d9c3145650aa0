/**
 * Mutual exclusion through the CLI: 8 worker processes, each looping `baton claim --json` /
 * `baton done ID --token N` on one board of 200 tasks until claim exits 5. Every task is
 * completed exactly once, and the audit trail never shows a task held by two agents at once.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "vitest";
import { openBoard } from "../../src/index.js";
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

  const tasks = batonJson<{ id: string; status: string }[]>(["list"], { cwd });
  expect(tasks.length).toBe(TASKS);
  expect(tasks.filter((t) => t.status === "completed").length).toBe(TASKS);

  const events = batonJson<{ seq: number; type: string; task_id: string; agent_id: string; from: string | null }[]>(["audit"], { cwd });
  const holder = new Map<string, string>();
  const completions = new Map<string, number>();
  const overlaps: string[] = [];
  for (const e of events) {
    if (e.type === "CLAIMED") {
      if (holder.has(e.task_id)) overlaps.push(`${e.task_id} claimed by ${e.agent_id} while held by ${holder.get(e.task_id)}`);
      holder.set(e.task_id, e.agent_id);
    } else if (e.from === "in_progress") {
      expect(e.agent_id).toBe(holder.get(e.task_id));
      holder.delete(e.task_id);
    }
    if (e.type === "COMPLETED") completions.set(e.task_id, (completions.get(e.task_id) ?? 0) + 1);
  }
  expect(overlaps).toEqual([]);
  expect(events.filter((e) => e.type === "CLAIMED").length).toBe(TASKS);
  expect(completions.size).toBe(TASKS);
  expect([...completions.values()].every((n) => n === 1)).toBe(true);
}, 480_000); // ~420 CLI calls: ~60 s on an idle 2-core machine, more when it is shared; workers end on exit 5, not on a timer

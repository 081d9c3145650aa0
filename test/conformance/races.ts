/**
 * Multi-process races with real OS processes (SPEC §3.1, §3.2): mutual exclusion under many
 * claimers, unique ids under many reservers, and no lost update under many writers.
 */
import { expect } from "vitest";
import { raceWorkers } from "../support/processes.js";
import { checkBoard } from "./checks.js";
import type { Conformance } from "./harness.js";

export const RACE_TASKS = 2000;

export function raceTests(c: Conformance): void {
  const processes = c.factory.raceProcesses ?? 16;

  c.test(
    `${processes} processes claim and complete ${RACE_TASKS} tasks: each completed exactly once, never two holders`,
    async () => {
      const url = await c.factory.freshUrl();
      const board = await c.reopen(url);
      await board.addMany(Array.from({ length: RACE_TASKS }, (_, i) => ({ title: `race task ${i}` })));
      const { results, raceMs } = await raceWorkers<{ completed: string[] }>(
        "race-claimer",
        Array.from({ length: processes }, (_, i) => ({ url, agent: `racer-${i}`, leaseSeconds: 600 })),
      );
      console.info(
        `${c.factory.name} race: ${processes} processes, ${RACE_TASKS} claim+complete cycles in ${Math.round(raceMs)} ms ` +
          `(${Math.round(RACE_TASKS / (raceMs / 1000))}/s, from the start signal to the last exit)`,
      );
      const reported = results.flatMap((r) => r.completed);
      expect(reported.length).toBe(RACE_TASKS);
      expect(new Set(reported).size).toBe(RACE_TASKS);
      const busyAgents = results.filter((r) => r.completed.length > 0).length;
      expect(busyAgents).toBeGreaterThanOrEqual(2);

      const { tasks, events, report } = await checkBoard(board);
      expect(tasks.length).toBe(RACE_TASKS);
      expect(tasks.filter((t) => t.status === "completed").length).toBe(RACE_TASKS);
      expect(events.filter((e) => e.type === "COMPLETED").length).toBe(RACE_TASKS);
      expect([...report.completions.values()].every((n) => n === 1)).toBe(true);
      expect(report.completions.size).toBe(RACE_TASKS);
      expect([...report.claims.values()].every((n) => n === 1)).toBe(true);
      // Each task was completed by the agent that reported it, which is the agent that held it.
      const reportedBy = new Map(results.flatMap((r, i) => r.completed.map((id) => [id, `racer-${i}`] as const)));
      for (const task of tasks) expect(task.assignedTo).toBe(reportedBy.get(task.id));
    },
  );

  c.test(`${processes} processes reserving ids at once get every id exactly once, none missing`, async () => {
    const url = await c.factory.freshUrl();
    const board = await c.reopen(url);
    const specs = Array.from({ length: processes }, (_, i) => ({
      url,
      agent: `reserver-${i}`,
      prefix: "SEC",
      batches: Array.from({ length: 20 }, (_, j) => 1 + ((i + j) % 3)),
    }));
    const expectedTotal = specs.reduce((sum, s) => sum + s.batches.reduce((a, b) => a + b, 0), 0);
    const { results } = await raceWorkers<{ ids: string[] }>("reserve-racer", specs);
    const ids = results.flatMap((r) => r.ids);
    expect(ids.length).toBe(expectedTotal);
    expect(new Set(ids).size).toBe(expectedTotal);
    const numbers = ids.map((id) => Number(id.slice("SEC-".length))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: expectedTotal }, (_, i) => i + 1));
    expect(await board.counters()).toEqual({ SEC: expectedTotal });
    const events = await board.audit({ type: "IDS_RESERVED" });
    expect(events.length).toBe(processes * 20);
    expect(events.flatMap((e) => e.data.ids as string[]).sort()).toEqual([...ids].sort());
  });

  c.test(`${processes} processes each adding 25 tasks leave exactly ${processes}×25 tasks and consistent counters`, async () => {
    const url = await c.factory.freshUrl();
    const board = await c.reopen(url);
    const perProcess = 25;
    const { results } = await raceWorkers<{ ids: string[] }>(
      "add-racer",
      Array.from({ length: processes }, (_, i) => ({ url, agent: `adder-${i}`, count: perProcess })),
    );
    const total = processes * perProcess;
    const tasks = await board.list();
    expect(tasks.length).toBe(total);
    expect(tasks.map((t) => t.id).sort()).toEqual(results.flatMap((r) => r.ids).sort());
    expect(new Set(tasks.map((t) => t.id)).size).toBe(total);
    expect(tasks.map((t) => Number(t.id.slice(2))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expect(await board.counters()).toEqual({ T: total });
    for (let i = 0; i < processes; i++) {
      expect(tasks.filter((t) => t.createdBy === `adder-${i}`).length).toBe(perProcess);
    }
    const { events } = await checkBoard(board);
    expect(events.filter((e) => e.type === "CREATED").length).toBe(total);
  });
}

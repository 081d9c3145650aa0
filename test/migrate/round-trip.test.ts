/**
 * import(export(board)) = board, for random boards (fast-check): every field each format
 * carries comes back the same on an empty board, and the imported board replays clean.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, expect, test } from "vitest";
import { BatonError, openBoard } from "../../src/index.js";
import type { Board, Task } from "../../src/index.js";

const root = mkdtempSync(join(tmpdir(), "baton-round-trip-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FATES = ["pending", "in_progress", "completed", "failed", "dead", "cancelled"] as const;

const taskSpec = fc.record({
  title: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 |]{0,20}[A-Za-z0-9]$/),
  description: fc.string({ maxLength: 30 }),
  priority: fc.constantFrom("critical", "high", "medium", "low" as const),
  needs: fc.subarray(["technical", "content", "design"]),
  deps: fc.array(fc.nat(20), { maxLength: 2 }),
  metadata: fc.dictionary(fc.constantFrom("estimate", "source", "sprint", "team"), fc.stringMatching(/^[a-z0-9:-]{1,8}$/), { maxKeys: 2 }),
  fate: fc.constantFrom(...FATES),
  agent: fc.constantFrom("A", "B", "C"),
});

async function fresh(): Promise<Board> {
  return openBoard(`sqlite:${join(mkdtempSync(join(root, "b-")), "board.db")}`);
}

type TaskSpec = typeof taskSpec extends fc.Arbitrary<infer T> ? T : never;

async function build(board: Board, specs: readonly TaskSpec[]): Promise<void> {
  for (let i = 0; i < specs.length; i++) await buildOne(board, specs[i]!, i);
}

async function buildOne(board: Board, spec: TaskSpec, i: number): Promise<void> {
  const deps = [...new Set(spec.deps.filter((d) => d < i).map((d) => `T-${d + 1}`))];
  const task = await board.add({
    title: spec.title,
    description: spec.description,
    priority: spec.priority,
    needs: spec.needs,
    dependsOn: deps,
    metadata: spec.metadata,
    maxAttempts: spec.fate === "dead" ? 1 : 3,
  });
  try {
    if (spec.fate === "cancelled") await board.cancel(task.id);
    if (spec.fate === "pending" || spec.fate === "cancelled") return;
    const claim = await board.claim({ agent: spec.agent, ids: [task.id], capabilities: spec.needs });
    if (spec.fate === "completed") await board.complete(task.id, { token: claim.leaseToken, result: `done ${i}` });
    if (spec.fate === "failed" || spec.fate === "dead") await board.fail(task.id, { token: claim.leaseToken, error: `broke ${i}` });
  } catch (error) {
    if (!(error instanceof BatonError)) throw error; // not ready: its dependencies are open
  }
}

const carried = {
  "tasks-json": (t: Task) => ({
    id: t.id, title: t.title, description: t.description, status: t.status, priority: t.priority, needs: t.needs, dependsOn: t.dependsOn,
    assignedTo: t.assignedTo, metadata: t.metadata, result: t.result, attempts: t.attempts, maxAttempts: t.maxAttempts, lastError: t.lastError, createdAt: t.createdAt,
  }),
  "task-queue": (t: Task) => ({
    id: t.id, title: t.title, description: t.description, status: t.status, priority: t.priority, needs: t.needs, dependsOn: t.dependsOn,
    assignedTo: t.assignedTo, metadata: t.metadata, result: t.result, attempts: t.attempts, maxAttempts: t.maxAttempts, lastError: t.lastError, createdAt: t.createdAt,
  }),
  // A markdown table has no description, result or counts: only the columns.
  "tasks-md": (t: Task) => ({
    id: t.id, title: t.title, status: t.status, priority: t.priority, needs: t.needs, dependsOn: t.dependsOn,
    assignedTo: t.assignedTo, metadata: t.metadata,
  }),
} as const;

for (const format of ["tasks-json", "task-queue", "tasks-md"] as const) {
  test(`${format}: export then import into an empty board gives the same tasks (random boards)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(taskSpec, { minLength: 1, maxLength: 12 }), async (specs) => {
        const source = await fresh();
        const target = await fresh();
        try {
          await build(source, specs);
          const exported = await source.exportTasks({ format });
          const plan = await target.importTasks(exported, { format });
          expect(plan.warnings).toEqual([]);
          expect((await target.list()).map(carried[format])).toEqual((await source.list()).map(carried[format]));
          expect(await target.counters()).toEqual(await source.counters());
          expect((await target.replay()).differences).toEqual([]);
          // And once more: the imported board exports to an import that changes nothing.
          const again = await target.importTasks(await target.exportTasks({ format }), { format });
          expect(again.created.length + again.changed.length).toBe(0);
        } finally {
          await source.close();
          await target.close();
        }
      }),
      { numRuns: 15 },
    );
  }, 120_000);
}

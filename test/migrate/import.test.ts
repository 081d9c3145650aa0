/**
 * `board.importTasks` on each seed's format (SPEC §9): ids kept, statuses, priorities,
 * dependencies and counters mapped, unknown fields kept in metadata, one transaction (a bad
 * row or a duplicate id imports nothing), a dry run that changes nothing, re-import idempotent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { openBoard } from "../../src/index.js";
import { FakeClock, expectRefusedUnchanged, snapshot } from "../conformance/harness.js";
import { TASKS_JSON, TASKS_MD, TASK_QUEUE_JSON } from "./samples.js";
import type { Board, Task } from "../../src/index.js";

const root = mkdtempSync(join(tmpdir(), "baton-import-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opened: Board[] = [];
afterEach(async () => {
  for (const b of opened.splice(0)) await b.close();
});

async function fresh(): Promise<{ board: Board; clock: FakeClock }> {
  const clock = new FakeClock();
  const board = await openBoard(`sqlite:${join(mkdtempSync(join(root, "b-")), "board.db")}`, { clock: clock.now });
  opened.push(board);
  return { board, clock };
}

const brief = (t: Task) => ({ id: t.id, title: t.title, status: t.status, priority: t.priority, dependsOn: t.dependsOn, needs: t.needs, assignedTo: t.assignedTo });

describe("import tasks-json (seed 001)", () => {
  test("UUID ids kept, UPPERCASE statuses mapped, history kept as events, extra fields in metadata", async () => {
    const { board, clock } = await fresh();
    const plan = await board.importTasks(TASKS_JSON, { format: "tasks-json", agent: "importer" });
    expect(plan.created).toEqual([
      "3f6c1a52-8d4e-4b7a-9c1e-2a5b7d9e0f11",
      "9b2e4c7d-1f3a-4e5b-8c6d-7e8f9a0b1c22",
      "c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e33",
      "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e544",
    ]);
    const tasks = await board.list();
    expect(tasks.map(brief)).toEqual([
      { id: "3f6c1a52-8d4e-4b7a-9c1e-2a5b7d9e0f11", title: "Set up the CI pipeline", status: "completed", priority: "medium", dependsOn: [], needs: [], assignedTo: "Agent1" },
      { id: "9b2e4c7d-1f3a-4e5b-8c6d-7e8f9a0b1c22", title: "Write the deployment guide", status: "in_progress", priority: "medium", dependsOn: [], needs: [], assignedTo: "Agent2" },
      // seed 001's FAILED (any case) means a person said it failed: dead.
      { id: "c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e33", title: "Migrate the old reports", status: "dead", priority: "medium", dependsOn: [], needs: [], assignedTo: null },
      { id: "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e544", title: "Tidy the backlog", status: "pending", priority: "medium", dependsOn: [], needs: [], assignedTo: null },
    ]);
    expect(tasks[0]!.createdAt).toBe("2025-10-01T09:00:00.000Z");
    expect(tasks[1]!.metadata).toEqual({ estimate_hours: 3 });
    // The in-progress task holds a real lease from now, so it times out if nobody works it.
    expect(tasks[1]!.leaseExpiresAt).toBe(clock.iso(15 * 60));
    expect(tasks[1]!.leaseToken).toBeGreaterThan(0);
    const notes = await board.audit({ type: "NOTE", taskId: tasks[0]!.id });
    expect(notes.map((e) => [e.agentId, e.details])).toEqual([
      [null, "history: CREATED: Task created"],
      ["Agent1", "history: STATUS_CHANGED: Status changed from PENDING to IN_PROGRESS"],
      ["Agent1", "history: STATUS_CHANGED: Status changed from IN_PROGRESS to COMPLETED"],
    ]);
    expect((await board.audit({ type: "CREATED" })).map((e) => e.agentId)).toEqual(["importer", "importer", "importer", "importer"]);
    expect((await board.replay()).differences).toEqual([]);
    // The holder can finish it with its agent id.
    await expect(board.complete(tasks[1]!.id, { agent: "Agent2" })).resolves.toMatchObject({ status: "completed" });
  });
});

describe("import task-queue (seed 002)", () => {
  test("numeric ids become Q-N, dependencies follow, types become needs, counter Q raised, a missing dependency dropped with a warning", async () => {
    const { board } = await fresh();
    const plan = await board.importTasks(TASK_QUEUE_JSON, { format: "task-queue" });
    expect(plan.created).toEqual(["Q-7", "Q-12", "Q-13", "Q-14", "Q-15"]);
    expect(plan.warnings).toEqual([
      "line 9: Q-13 depends on Q-99, neither in the file nor on the board: dropped (kept in metadata.unresolved_dependencies)",
    ]);
    expect(plan.counters).toEqual({ Q: 15 });
    expect(await board.counters()).toEqual({ Q: 15 });
    const tasks = new Map((await board.list()).map((t) => [t.id, t]));
    expect([...tasks.values()].map(brief)).toEqual([
      { id: "Q-7", title: "Design the schema", status: "completed", priority: "high", dependsOn: [], needs: ["technical"], assignedTo: "Copilot" },
      { id: "Q-12", title: "Generate the PDF export", status: "in_progress", priority: "medium", dependsOn: ["Q-7"], needs: ["technical"], assignedTo: "Claude" },
      { id: "Q-13", title: "Write the launch post", status: "pending", priority: "medium", dependsOn: ["Q-12"], needs: ["content"], assignedTo: null },
      { id: "Q-14", title: "Review copy", status: "pending", priority: "low", dependsOn: [], needs: [], assignedTo: null },
      { id: "Q-15", title: "Flaky import job", status: "dead", priority: "critical", dependsOn: [], needs: [], assignedTo: null },
    ]);
    expect(tasks.get("Q-7")!.metadata).toEqual({ claimed_on: "2025-10-10T10:00:00Z", completed_on: "2025-10-10T12:00:00Z", estimated_hours: 2 });
    expect(tasks.get("Q-13")!.metadata).toEqual({ unresolved_dependencies: ["Q-99"] });
    expect(tasks.get("Q-15")!.attempts).toBe(3);
    // New tasks continue past the imported ids.
    expect((await board.add({ title: "next", prefix: "Q" })).id).toBe("Q-16");
    expect((await board.replay()).differences).toEqual([]);
  });

  test("--prefix chooses the prefix numeric ids get", async () => {
    const { board } = await fresh();
    const plan = await board.importTasks(TASK_QUEUE_JSON, { format: "task-queue", queuePrefix: "OPS" });
    expect(plan.created).toEqual(["OPS-7", "OPS-12", "OPS-13", "OPS-14", "OPS-15"]);
    expect((await board.get("OPS-12")).dependsOn).toEqual(["OPS-7"]);
  });
});

describe("import tasks-md (seed 003)", () => {
  test("CRLF, columns by header name in any order, extra columns to metadata, short rows, a non-task table skipped", async () => {
    const { board } = await fresh();
    await board.reserve("SEC", 25);
    const plan = await board.importTasks(TASKS_MD, { format: "tasks-md" });
    expect(plan.created).toEqual(["SEC-18", "SEC-19", "SEC-21", "UX-66", "UX-67", "UX-70"]);
    expect(plan.warnings).toEqual(["line 14: SEC-19 is in progress but names no holder: imported as pending"]);
    expect(plan.counters).toEqual({ SEC: 25, UX: 70 });
    const tasks = await board.list();
    expect(tasks.map(brief)).toEqual([
      { id: "SEC-18", title: "Rotate the API keys", status: "completed", priority: "high", dependsOn: [], needs: [], assignedTo: null },
      { id: "SEC-19", title: "Fix auth bug", status: "pending", priority: "critical", dependsOn: ["SEC-18"], needs: [], assignedTo: null },
      { id: "SEC-21", title: "Add CSRF tokens | forms", status: "pending", priority: "medium", dependsOn: ["SEC-18", "SEC-19"], needs: [], assignedTo: null },
      { id: "UX-66", title: "Empty state for the inbox", status: "pending", priority: "low", dependsOn: [], needs: [], assignedTo: null },
      { id: "UX-67", title: "Keyboard shortcuts", status: "pending", priority: "medium", dependsOn: [], needs: [], assignedTo: null },
      { id: "UX-70", title: "Dark mode", status: "pending", priority: "high", dependsOn: [], needs: [], assignedTo: null },
    ]);
    expect(tasks.map((t) => t.metadata)).toEqual([
      { estimate: "1h", source: "review:security-sentinel" },
      { estimate: "2h", source: "manual" },
      { estimate: "3h" },
      { sprint: "14" },
      {},
      {},
    ]);
    expect(await board.counters()).toEqual({ SEC: 25, UX: 70 });
  });
});

describe("one transaction, dry run, idempotent", () => {
  test("a duplicate id is refused naming both lines, and nothing is imported", async () => {
    const { board } = await fresh();
    const twice = TASKS_MD.replace("| UX-70 | Dark mode |", "| SEC-18 | Dark mode |");
    const error = await expectRefusedUnchanged(board, () => board.importTasks(twice, { format: "tasks-md" }), "INVALID_INPUT");
    expect(error.message).toBe("line 23: task SEC-18 is already on line 13; ids must be unique; nothing was imported");
  });

  test("an invalid row after valid ones is reported with its line number, and nothing is imported", async () => {
    const { board } = await fresh();
    const bad = TASK_QUEUE_JSON.replace('"status": "poison_pill"', '"status": "exploded"');
    const error = await expectRefusedUnchanged(board, () => board.importTasks(bad, { format: "task-queue" }), "INVALID_INPUT");
    expect(error.message).toMatch(/^line 11: unknown status "exploded"; use pending, in_progress/);
    const cycle = TASK_QUEUE_JSON.replace('"dependencies": []', '"dependencies": [13]');
    const cycleError = await expectRefusedUnchanged(board, () => board.importTasks(cycle, { format: "task-queue" }), "INVALID_INPUT");
    expect(cycleError.message).toContain("dependency cycle rejected");
    const badId = await expectRefusedUnchanged(board, () => board.importTasks(TASKS_MD.replace("UX-67", "UX 67!"), { format: "tasks-md" }), "INVALID_INPUT");
    expect(badId.message).toMatch(/^line 22: invalid task id "UX 67!"/);
    const notJson = await expectRefusedUnchanged(board, () => board.importTasks("{ nope", { format: "tasks-json" }), "INVALID_INPUT");
    expect(notJson.message).toContain("not valid JSON");
    const badFormat = await expectRefusedUnchanged(board, () => board.importTasks("[]", { format: "csv" }), "INVALID_INPUT");
    expect(badFormat.message).toBe('unknown format "csv"; use one of tasks-json, task-queue, tasks-md');
  });

  test("a dry run reports what the import would do and changes nothing; re-import changes nothing; an edited row changes only its fields", async () => {
    const { board, clock } = await fresh();
    const before = await snapshot(board);
    const dry = await board.importTasks(TASK_QUEUE_JSON, { format: "task-queue", dryRun: true });
    expect(await snapshot(board)).toEqual(before);
    const real = await board.importTasks(TASK_QUEUE_JSON, { format: "task-queue" });
    expect({ ...dry, dryRun: false }).toEqual(real);
    const events = (await board.audit()).length;
    clock.advanceSeconds(60);
    const again = await board.importTasks(TASK_QUEUE_JSON, { format: "task-queue" });
    expect(again).toMatchObject({ created: [], changed: [], unchanged: ["Q-7", "Q-12", "Q-13", "Q-14", "Q-15"] });
    expect((await board.audit()).length).toBe(events);
    const edited = TASK_QUEUE_JSON.replace('"title": "Review copy", "id": "14", "status": "pending"', '"title": "Review the copy", "id": "14", "status": "completed"');
    const dryEdit = await board.importTasks(edited, { format: "task-queue", dryRun: true });
    expect(dryEdit.changed).toEqual([{ id: "Q-14", fields: ["title", "status"] }]);
    expect((await board.get("Q-14")).status).toBe("pending");
    await board.importTasks(edited, { format: "task-queue" });
    expect(brief(await board.get("Q-14"))).toMatchObject({ title: "Review the copy", status: "completed" });
    expect((await board.audit({ type: "UPDATED" })).map((e) => [e.taskId, e.from, e.to])).toEqual([["Q-14", "pending", "completed"]]);
    expect((await board.replay()).differences).toEqual([]);
  });
});

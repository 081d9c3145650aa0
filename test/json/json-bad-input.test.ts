/**
 * A tasks.json (or sidecar) that is not a valid board is CORRUPT_STORE naming the file and the
 * problem, and nothing is written: not tasks.json, not a backup, not the audit trail.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { refusal } from "../conformance/harness.js";
import { freshDir, open } from "./json-boards.js";

const task = (id: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  description: `task ${String(id)}`,
  status: "PENDING",
  assigned_to: null,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
  history: [],
  ...extra,
});

/** Writes `content` as tasks.json, runs every kind of operation, and returns the one error. */
async function expectCorrupt(content: string, fragments: string[]): Promise<void> {
  const dir = freshDir();
  const path = join(dir, "tasks.json");
  writeFileSync(path, content);
  const board = await open(path);
  const calls = [
    () => board.list(),
    () => board.add({ title: "new" }),
    () => board.claim({ agent: "A" }),
    () => board.heal(),
  ];
  for (const call of calls) {
    const error = await refusal(call());
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toContain(path);
    for (const fragment of fragments) expect(error.message).toContain(fragment);
    expect(error.message).toContain("left it untouched");
  }
  expect(readFileSync(path, "utf8")).toBe(content);
  expect(readdirSync(dir).sort()).toEqual(["tasks.json"]);
}

describe("json store: bad input never corrupts", () => {
  it("a truncated tasks.json is CORRUPT_STORE with the path and the parse error, and is never overwritten", async () => {
    const whole = JSON.stringify([task("T-1"), task("T-2")], null, 2);
    await expectCorrupt(whole.slice(0, Math.floor(whole.length / 2)), ["is not valid JSON ("]);
  });

  it("a tasks.json holding an object instead of an array is CORRUPT_STORE", async () => {
    await expectCorrupt(JSON.stringify({ tasks: [task("T-1")] }, null, 2), ["holds an object, not an array of tasks"]);
  });

  it("a task without an id is CORRUPT_STORE naming its position", async () => {
    const { id: _omit, ...noId } = task("T-2");
    await expectCorrupt(JSON.stringify([task("T-1"), noId], null, 2), ['task #2 has no "id"']);
  });

  it("two tasks with the same id are CORRUPT_STORE naming both positions and the id", async () => {
    await expectCorrupt(JSON.stringify([task("T-1"), task("T-2"), task("T-1")], null, 2), [
      'tasks #1 and #3 have the same id "T-1"',
    ]);
  });

  it("an id that could escape a path (../x) is CORRUPT_STORE naming the id", async () => {
    await expectCorrupt(JSON.stringify([task("../x")], null, 2), ['has an invalid id "../x"']);
  });

  it("an unknown status or a field of the wrong type is CORRUPT_STORE naming the field", async () => {
    await expectCorrupt(JSON.stringify([task("T-1", { status: "DONE" })], null, 2), ['task #1 (T-1) has status "DONE"']);
    await expectCorrupt(JSON.stringify([task("T-1", { depends_on: "T-0" })], null, 2), ['has "depends_on": "T-0", expected an array of strings']);
    await expectCorrupt(JSON.stringify([task("T-1"), 42], null, 2), ["task #2 is number, not a task object"]);
  });

  it("a compact (one-line) valid tasks.json is read, and rewritten pretty-printed on the next change", async () => {
    const path = join(freshDir(), "tasks.json");
    writeFileSync(path, JSON.stringify([task("T-1")]));
    const board = await open(path);
    expect((await board.list()).map((t) => t.id)).toEqual(["T-1"]);
    await board.add({ title: "two" });
    const text = readFileSync(path, "utf8");
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  });

  it("a corrupt counters file or sidecar is CORRUPT_STORE naming it, and tasks.json is untouched", async () => {
    for (const [name, content, fragment] of [
      [".task-id-counters.json", '{"counters":{"SEC":"nineteen"}}', 'counter "SEC" is "nineteen"'],
      [".task-id-counters.json", "{not json", "it is not valid JSON"],
      ["tasks.baton.json", "[]", "it is not a JSON object"],
    ] as const) {
      const dir = freshDir();
      const path = join(dir, "tasks.json");
      writeFileSync(path, "[]\n");
      writeFileSync(join(dir, name), content);
      const board = await open(path);
      const error = await refusal(board.reserve("SEC"));
      expect(error.code).toBe("CORRUPT_STORE");
      expect(error.message).toContain(join(dir, name));
      expect(error.message).toContain(fragment);
      expect(readFileSync(join(dir, name), "utf8")).toBe(content);
      expect(readFileSync(path, "utf8")).toBe("[]\n");
      expect(existsSync(join(dir, "tasks.audit.jsonl"))).toBe(false);
    }
  });

  it("a missing board with create: false is NOT_FOUND telling to run baton init, and creates nothing", async () => {
    const dir = freshDir();
    const error = await refusal(open(join(dir, "tasks.json"), { create: false }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("baton init");
    expect(readdirSync(dir)).toEqual([]);
  });
});

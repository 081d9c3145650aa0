/** `baton import FILE --format … [--dry-run]` and `baton export --format … [--out FILE]` as a real process. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { TASKS_MD, TASK_QUEUE_JSON } from "../migrate/samples.js";
import { baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

test("a dry run prints the plan and changes nothing; the import then does exactly that", () => {
  const cwd = freshBoardDir();
  writeFileSync(join(cwd, "TASKS.md"), TASKS_MD);
  const before = snapshot(cwd);
  const dry = baton(["import", "TASKS.md", "--format", "tasks-md", "--dry-run"], { cwd });
  expect(dry.code).toBe(0);
  expect(dry.stdout).toBe(
    [
      "dry run: would create 6, would change 0, unchanged 0",
      "  would create: SEC-18, SEC-19, SEC-21, UX-66, UX-67, UX-70",
      "  warning: line 14: SEC-19 is in progress but names no holder: imported as pending",
      "  counters: SEC → 21, UX → 70",
      "nothing was changed; run again without --dry-run to import",
      "",
    ].join("\n"),
  );
  expect(snapshot(cwd)).toEqual(before);
  const real = batonJson(["import", "TASKS.md", "--format", "tasks-md"], { cwd });
  expect(real.created).toHaveLength(6);
  expect(batonJson(["counters"], { cwd })).toEqual({ SEC: 21, UX: 70 });
  expect(batonJson(["import", "TASKS.md", "--format", "tasks-md"], { cwd }).unchanged).toHaveLength(6);
});

test("export --out writes a file that imports into an empty board as the same tasks", () => {
  const cwd = freshBoardDir();
  writeFileSync(join(cwd, "TASK_QUEUE.json"), TASK_QUEUE_JSON);
  batonJson(["import", "TASK_QUEUE.json", "--format", "task-queue"], { cwd });
  expect(batonJson(["export", "--format", "task-queue", "--out", "out.json"], { cwd })).toEqual({ out: "out.json", format: "task-queue" });
  const exported = JSON.parse(readFileSync(join(cwd, "out.json"), "utf8"));
  expect(exported.queue.map((e: { id: unknown }) => e.id)).toEqual([7, 12, 13, 14, 15]);
  const other = freshBoardDir();
  writeFileSync(join(other, "in.json"), readFileSync(join(cwd, "out.json")));
  batonJson(["import", "in.json", "--format", "task-queue"], { cwd: other });
  const strip = (tasks: Record<string, unknown>[]) => tasks.map(({ updated_at, lease_token, lease_expires_at, created_by, ...rest }) => rest);
  expect(strip(batonJson(["list"], { cwd: other }))).toEqual(strip(batonJson(["list"], { cwd })));
  const stdout = baton(["export", "--format", "tasks-md"], { cwd });
  expect(stdout.code).toBe(0);
  expect(stdout.stdout).toContain("| Q-12 | Generate the PDF export |  | medium | in_progress | Q-7 | technical | Claude |  |");
});

test("bad input: unknown format and unreadable file exit 2, an invalid row exits 2 naming its line, the board untouched", () => {
  const cwd = freshBoardDir();
  const before = snapshot(cwd);
  const format = baton(["import", "x.json", "--format", "csv", "--json"], { cwd });
  writeFileSync(join(cwd, "bad.md"), TASKS_MD.replace("| High | done |", "| High | exploded |"));
  const missing = baton(["import", "nope.json", "--format", "tasks-json", "--json"], { cwd });
  const bad = baton(["import", "bad.md", "--format", "tasks-md", "--json"], { cwd });
  expect([format.code, missing.code, bad.code]).toEqual([2, 2, 2]);
  expect(jsonError(missing).message).toContain("cannot read nope.json");
  expect(jsonError(bad).message).toMatch(/^line 13: unknown status "exploded"/);
  expect(snapshot(cwd)).toEqual(before);
});

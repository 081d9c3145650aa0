/**
 * `baton replay ID | --all`: exit 0 when every stored task matches its audit trail; a task
 * changed behind baton's back (a raw UPDATE, a hand edit of tasks.json) exits 1 naming the
 * task, the field and both values.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { baton, batonJson, freshBoardDir, jsonError } from "./cli.js";

function workedBoard(initArgs: string[] = []): string {
  const cwd = freshBoardDir(initArgs);
  for (const title of ["one", "two", "three"]) batonJson(["add", title], { cwd });
  batonJson(["claim", "--id", "T-1", "--agent", "A"], { cwd });
  batonJson(["done", "T-1", "--agent", "A", "--result", "shipped"], { cwd });
  batonJson(["claim", "--id", "T-2", "--agent", "B"], { cwd });
  return cwd;
}

describe("baton replay", () => {
  test("a board worked only through baton replays clean: exit 0", () => {
    const cwd = workedBoard();
    const all = baton(["replay", "--all"], { cwd });
    expect(all.code).toBe(0);
    expect(all.stdout).toBe("replayed 3 task(s) from 6 event(s): every task matches its audit trail\n");
    expect(batonJson(["replay", "T-1", "T-2"], { cwd })).toEqual({ tasks: 2, events: 5, matches: true, differences: [] });
  });

  test("a row changed behind baton's back (SQLite) exits 1 listing each field with both values", () => {
    const cwd = workedBoard();
    const db = new Database(join(cwd, ".baton", "board.db"));
    db.prepare("UPDATE tasks SET status = 'completed', title = 'renamed by hand' WHERE id = 'T-2'").run();
    db.close();
    const human = baton(["replay", "--all"], { cwd });
    expect(human.code).toBe(1);
    expect(human.stdout).toBe(
      [
        "replayed 3 task(s) from 6 event(s): 2 difference(s)",
        'T-2  title: stored "renamed by hand", replayed "two"',
        'T-2  status: stored "completed", replayed "in_progress"',
        "",
      ].join("\n"),
    );
    expect(human.stderr).toContain("replay found 2 difference(s) in 1 task(s)");
    const json = baton(["replay", "T-2", "--json"], { cwd });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      tasks: 1,
      events: 2,
      matches: false,
      differences: [
        { task_id: "T-2", field: "title", stored: "renamed by hand", replayed: "two" },
        { task_id: "T-2", field: "status", stored: "completed", replayed: "in_progress" },
      ],
    });
    expect(jsonError(json).code).toBe("CORRUPT_STORE");
    // The untouched tasks still replay clean on their own.
    expect(baton(["replay", "T-1", "T-3"], { cwd }).code).toBe(0);
  });

  test("a task inserted behind baton's back, with no events, is a difference too", () => {
    const cwd = workedBoard();
    const db = new Database(join(cwd, ".baton", "board.db"));
    db.prepare(
      `INSERT INTO tasks (id, id_order, title, status, priority, priority_rank, max_attempts, created_at, updated_at)
       VALUES ('X-1', 'X-1', 'sneaked in', 'pending', 'medium', 2, 3, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
    ).run();
    db.close();
    const json = baton(["replay", "--all", "--json"], { cwd });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).differences).toEqual([{ task_id: "X-1", field: "(task)", stored: "exists", replayed: null }]);
  });

  test("a hand edit of tasks.json on a JSON board is reported with the field and both values", () => {
    const cwd = workedBoard(["--store", "json:tasks.json"]);
    const path = join(cwd, "tasks.json");
    const tasks = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>[];
    (tasks[2] as Record<string, unknown>).title = "edited by hand";
    writeFileSync(path, JSON.stringify(tasks, null, 2));
    const json = baton(["replay", "--all", "--json"], { cwd });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).differences).toEqual([{ task_id: "T-3", field: "title", stored: "edited by hand", replayed: "three" }]);
  });

  test("an unknown task exits 3; no ids and no --all, or both, exit 2", () => {
    const cwd = workedBoard();
    const unknown = baton(["replay", "T-9", "--json"], { cwd });
    expect(unknown.code).toBe(3);
    expect(jsonError(unknown).message).toContain("T-9");
    expect(baton(["replay"], { cwd }).code).toBe(2);
    const both = baton(["replay", "T-1", "--all", "--json"], { cwd });
    expect(both.code).toBe(2);
    expect(jsonError(both).message).toContain("baton replay --all");
  });
});

/**
 * The dashboard's two big-board reads on SQLite walk indexes, checked with EXPLAIN QUERY PLAN
 * on the statements the store itself prepared: a task's dependents come from
 * task_dependencies (migration 7), never a scan of tasks; throughput counts come from
 * events_outcomes (migration 6). And migration 7 back-fills the edges of an existing board.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import type { Board } from "../../src/index.js";

const root = mkdtempSync(join(tmpdir(), "baton-sqlite-dashboard-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A connection of the store (src/store/sqlite/connection.ts): its database and prepared statements. */
interface ConnectionInternals {
  db: Database.Database;
  statements: Map<string, unknown>;
}

/** The plans of the SELECTs the store prepared on its read connection while `read` ran. */
async function plansOf(board: Board, read: () => Promise<unknown>, table: string): Promise<string[]> {
  await board.list({ limit: 1 }); // opens the read connection
  const conn = (board.store as unknown as { reads: { conn: ConnectionInternals } | null }).reads?.conn;
  if (!conn) throw new Error("no read connection");
  const before = new Set(conn.statements.keys());
  await read();
  const sqls = [...conn.statements.keys()].filter((sql) => !before.has(sql) && sql.includes(`FROM ${table}`));
  expect(sqls.length).toBeGreaterThan(0);
  return sqls.map((sql) =>
    (conn.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(sql.match(/\?/g) ?? []).map(() => "x")) as { detail: string }[])
      .map((r) => r.detail)
      .join(" | "),
  );
}

it("a task's dependents are read through task_dependencies and tasks by id, with no scan of tasks", async () => {
  const board = await openBoard(`sqlite:${join(mkdtempSync(join(root, "b-")), "board.db")}`);
  try {
    await board.addMany(Array.from({ length: 30 }, (_, i) => ({ title: `t${i}` })));
    await board.add({ title: "after T-1", dependsOn: ["T-1"] });
    const plans = await plansOf(board, () => board.listPage({ dependsOn: "T-1", limit: 200 }), "tasks");
    for (const plan of plans) {
      expect(plan).toMatch(/SEARCH task_dependencies USING PRIMARY KEY \(depends_on=\?\)/);
      expect(plan).not.toMatch(/SCAN tasks/);
    }
  } finally {
    await board.close();
  }
});

it("throughput counts are read through events_outcomes", async () => {
  const board = await openBoard(`sqlite:${join(mkdtempSync(join(root, "b-")), "board.db")}`);
  try {
    await board.add({ title: "a" });
    const plans = await plansOf(board, () => board.store.read((tx) => tx.countOutcomes("2026-01-01T00:00:00.000Z", 60_000)), "events");
    for (const plan of plans) {
      expect(plan).toMatch(/SEARCH events USING INDEX events_outcomes \(at>\?\)/);
      expect(plan).not.toMatch(/SCAN events/);
    }
  } finally {
    await board.close();
  }
});

it("migrating a board from before task_dependencies back-fills every edge; edits then keep them", async () => {
  const path = join(mkdtempSync(join(root, "b-")), "board.db");
  const old = new Database(path);
  old.pragma("journal_mode = WAL");
  old.exec(MIGRATIONS[0] as string);
  old.pragma("user_version = 1");
  const at = "2026-01-01T00:00:00.000Z";
  const insert = old.prepare(
    `INSERT INTO tasks (id, title, status, priority, priority_rank, depends_on, max_attempts, created_at, updated_at)
     VALUES (?, ?, 'pending', 'medium', 2, ?, 3, ?, ?)`,
  );
  insert.run("T-1", "first", "[]", at, at);
  insert.run("T-2", "second", "[]", at, at);
  insert.run("T-3", "after both", '["T-1","T-2"]', at, at);
  insert.run("T-4", "after the first", '["T-1"]', at, at);
  old.prepare("INSERT INTO counters (prefix, value) VALUES ('T', 4)").run();
  old.close();

  const board = await openBoard(`sqlite:${path}`);
  try {
    const ids = async (id: string) => (await board.list({ dependsOn: id })).map((t) => t.id);
    expect(await ids("T-1")).toEqual(["T-3", "T-4"]);
    expect(await ids("T-2")).toEqual(["T-3"]);
    expect(await ids("T-3")).toEqual([]);
    await board.update("T-4", { dependsOn: ["T-2"] });
    expect(await ids("T-1")).toEqual(["T-3"]);
    expect(await ids("T-2")).toEqual(["T-3", "T-4"]);
    await board.add({ title: "new", dependsOn: ["T-1"] });
    expect(await ids("T-1")).toEqual(["T-3", "T-5"]);
  } finally {
    await board.close();
  }
});

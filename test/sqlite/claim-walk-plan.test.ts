/**
 * The ready list's walk on SQLite (src/store/sqlite/claim-walk.ts) is an ordered range of the
 * claim indexes, as EXPLAIN QUERY PLAN shows on a real board: the statements for an agent's
 * reservations and for unreserved tasks seek from the key and need no sort; the no-agent read
 * of reservations reads only the covering index (sorting its keys), then rows by rowid.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, test } from "vitest";
import { openBoard } from "../../src/index.js";
import { RESERVED_ANY, RESERVED_FOR, UNRESERVED } from "../../src/store/sqlite/claim-walk.js";

const dir = mkdtempSync(join(tmpdir(), "baton-walk-plan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function plan(db: Database.Database, sql: string, ...params: unknown[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
}

test("each walk statement uses its claim index: seeks for the agent's and the unreserved part, the no-agent reservations from the covering index", async () => {
  const path = join(dir, "board.db");
  const board = await openBoard(`sqlite:${path}`);
  await board.addMany(Array.from({ length: 200 }, (_, i) => ({ title: `t${i}`, ...(i % 10 === 0 && { assignedTo: "A" }) })));
  await board.close();
  const db = new Database(path, { readonly: true });
  try {
    const key = [2, "2030-01-01T00:00:00.000Z", "T-000000000000005 T-5"];
    expect(plan(db, RESERVED_FOR, "A", ...key, 21)).toEqual([
      "SEARCH tasks USING INDEX tasks_reserved (assigned_to=? AND (priority_rank,created_at,id_order)>(?,?,?))",
    ]);
    expect(plan(db, UNRESERVED, ...key, 21)).toEqual([
      "SEARCH tasks USING INDEX tasks_claimable ((priority_rank,created_at,id_order)>(?,?,?))",
    ]);
    expect(plan(db, RESERVED_ANY, ...key, 21)).toEqual([
      "SEARCH tasks USING INTEGER PRIMARY KEY (rowid=?)",
      "LIST SUBQUERY 1",
      "SEARCH tasks USING COVERING INDEX tasks_reserved (assigned_to>?)",
      "USE TEMP B-TREE FOR ORDER BY",
    ]);
  } finally {
    db.close();
  }
});

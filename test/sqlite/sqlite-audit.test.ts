/**
 * SQLite audit queries by agent or by type walk an index (migration 5), never the whole
 * events table: checked on the statements the store itself prepared, with EXPLAIN QUERY PLAN.
 * The types of the claim path (CLAIMED, COMPLETED, HEARTBEAT) are left out of events_type
 * and found by walking the events in seq order, which stops at the LIMIT.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import type { AuditQuery } from "../../src/index.js";
import type Database from "better-sqlite3";

const root = mkdtempSync(join(tmpdir(), "baton-sqlite-audit-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A connection of the store (src/store/sqlite/connection.ts): its database and prepared statements. */
interface ConnectionInternals {
  db: Database.Database;
  statements: Map<string, unknown>;
}

/** Reads run on the store's read connection, opened by the first read (sqlite-store.ts). */
interface StoreInternals {
  reads: { conn: ConnectionInternals } | null;
}

/** The plan of every events SELECT the store prepared to answer `query`. */
async function plansFor(query: AuditQuery): Promise<string[]> {
  const board = await openBoard(`sqlite:${join(mkdtempSync(join(root, "b-")), "board.db")}`);
  try {
    await board.addMany([{ title: "a" }, { title: "b" }], { agent: "P" });
    await board.claim({ agent: "A" });
    const store = board.store as unknown as StoreInternals;
    const before = new Set(store.reads?.conn.statements.keys() ?? []);
    await board.audit(query);
    const conn = store.reads?.conn;
    if (!conn) throw new Error("the audit query did not open the read connection");
    const sqls = [...conn.statements.keys()].filter((sql) => !before.has(sql) && sql.includes("FROM events"));
    expect(sqls.length).toBeGreaterThan(0);
    return sqls.map((sql) => {
      const params = (sql.match(/\?/g) ?? []).map(() => null);
      return (conn.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join(" | ");
    });
  } finally {
    await board.close();
  }
}

it.each([
  ["by agent", { agent: "A", limit: 100 }, "events_agent"],
  ["by agent, newest first", { agent: "A", recent: 20 }, "events_agent"],
  ["by type", { type: "CREATED", limit: 100 }, "events_type"],
  ["by type after a seq", { type: "FAILED", afterSeq: 10, limit: 100 }, "events_type"],
  ["by several types", { type: ["FAILED", "TIMEOUT"], limit: 100 }, "events_type"],
  ["errors only", { errors: true, recent: 20 }, "events_type"],
  ["by task", { taskId: "T-1" }, "events_task"],
] as [string, AuditQuery, string][])("an audit query %s (%o) searches %s, not the whole table", async (_name, query, index) => {
  for (const plan of await plansFor(query)) {
    expect(plan).toContain(`USING INDEX ${index}`);
    expect(plan).not.toMatch(/SCAN events(?! USING)/);
  }
});

it.each([
  ["by a claim-path type", { type: "CLAIMED", limit: 100 }],
  ["by a claim-path type, newest first", { type: "HEARTBEAT", recent: 20 }],
] as [string, AuditQuery][])("an audit query %s (%o) walks the events in seq order, with no sort", async (_name, query) => {
  for (const plan of await plansFor(query)) {
    expect(plan).toMatch(/^SCAN events$/);
  }
});

/**
 * The SQLite store: the whole conformance suite on a fresh file per board, plus what only
 * SQLite has (a corrupt database file, the durability knob).
 */
import { mkdtempSync, readFileSync, writeFileSync, truncateSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import { refusal } from "../conformance/harness.js";
import { runConformanceSuite } from "../conformance/suite.js";

const root = mkdtempSync(join(tmpdir(), "baton-sqlite-"));
let boards = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

function freshDir(): string {
  return mkdtempSync(join(root, `board-${++boards}-`));
}

runConformanceSuite({
  name: "sqlite",
  freshUrl: async () => `sqlite:${join(freshDir(), "board.db")}`,
});

describe("sqlite store", () => {
  it("a garbage file is CORRUPT_STORE naming the path, and its bytes are left untouched", async () => {
    const path = join(freshDir(), "board.db");
    const garbage = Buffer.from("this is not a database, just some text someone saved here\n".repeat(100));
    writeFileSync(path, garbage);
    const error = await refusal(openBoard(`sqlite:${path}`));
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toContain(path);
    expect(error.message).toContain("left untouched");
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it("a truncated database is CORRUPT_STORE naming the path, and its bytes are left untouched", async () => {
    const path = join(freshDir(), "board.db");
    const board = await openBoard(`sqlite:${path}`);
    await board.addMany(Array.from({ length: 500 }, (_, i) => ({ title: `task ${i}`, description: "x".repeat(200) })));
    await board.close();
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(64 * 1024);
    truncateSync(path, Math.floor(size / 2));
    const truncated = readFileSync(path);
    const error = await refusal(
      (async () => {
        const reopened = await openBoard(`sqlite:${path}`);
        try {
          await reopened.list();
          await reopened.audit();
        } finally {
          await reopened.close();
        }
      })(),
    );
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toContain(path);
    expect(readFileSync(path).equals(truncated)).toBe(true);
  });

  it("?durability=full opens a board with synchronous=FULL that works like any other", async () => {
    const path = join(freshDir(), "board.db");
    const board = await openBoard(`sqlite:${path}?durability=full`);
    // Reach the connection to prove the pragma took effect (2 = FULL, 1 = NORMAL).
    const db = (board.store as unknown as { writes: { db: { pragma(s: string, o: { simple: true }): unknown } } }).writes.db;
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    const task = await board.add({ title: "durable" });
    const claim = await board.claim({ agent: "A" });
    await board.complete(task.id, { token: claim.leaseToken });
    await board.close();
    const normal = await openBoard(`sqlite:${path}`);
    const normalDb = (normal.store as unknown as { writes: { db: { pragma(s: string, o: { simple: true }): unknown } } }).writes.db;
    expect(normalDb.pragma("synchronous", { simple: true })).toBe(1);
    expect((await normal.get(task.id)).status).toBe("completed");
    await normal.close();
    expect((await refusal(openBoard(`sqlite:${path}?durability=sometimes`))).code).toBe("INVALID_INPUT");
  });

  it("a board made by schema 1 migrates to the newest schema keeping every event, and lease tokens keep rising", async () => {
    const path = join(freshDir(), "board.db");
    // A schema-1 board as an older baton left it: one task held with token 7, events 1-3.
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    old.exec(MIGRATIONS[0] as string);
    old.pragma("user_version = 1");
    const at = "2026-01-01T00:00:00.000Z";
    old.prepare(
      `INSERT INTO tasks (id, title, status, priority, priority_rank, assigned_to, lease_token, lease_expires_at,
         max_attempts, created_at, updated_at) VALUES ('T-1', 'held', 'in_progress', 'normal', 2, 'A', 7, '2999-01-01T00:00:00.000Z', 3, ?, ?)`,
    ).run(at, at);
    old.prepare(
      `INSERT INTO tasks (id, title, status, priority, priority_rank, max_attempts, created_at, updated_at)
       VALUES ('T-2', 'open', 'pending', 'normal', 2, 3, ?, ?)`,
    ).run(at, at);
    const insertEvent = old.prepare("INSERT INTO events (at, type, task_id, agent_id, details) VALUES (?, ?, ?, ?, ?)");
    for (const [type, task, agent] of [["CREATED", "T-1", null], ["CREATED", "T-2", null], ["CLAIMED", "T-1", "A"]]) {
      insertEvent.run(at, type, task, agent, "before the migration");
    }
    old.prepare("UPDATE meta SET value = 7 WHERE key = 'lease_token'").run();
    old.close();

    const board = await openBoard(`sqlite:${path}`);
    const db = (board.store as unknown as { writes: { db: Database.Database } }).writes.db;
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('tasks', 'events') AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(indexes).toEqual([
      "events_agent", "events_outcomes", "events_task", "events_type", "tasks_cancelled", "tasks_claimable", "tasks_completed", "tasks_created", "tasks_dead", "tasks_leases", "tasks_reserved", "tasks_retries",
    ]);
    // Existing tasks got their natural-order key from the core.
    expect(db.prepare("SELECT id, id_order FROM tasks ORDER BY id").all()).toEqual([
      { id: "T-1", id_order: "T-000000000000001 T-1" },
      { id: "T-2", id_order: "T-000000000000002 T-2" },
    ]);
    expect((await board.audit()).map((e) => [e.seq, e.type, e.taskId])).toEqual([
      [1, "CREATED", "T-1"], [2, "CREATED", "T-2"], [3, "CLAIMED", "T-1"],
    ]);
    // meta's old counter (7) is above every seq (3): the next token must still pass it.
    const claim = await board.claim({ agent: "B" });
    expect(claim.task.id).toBe("T-2");
    expect(claim.leaseToken).toBe(8);
    await expect(board.complete("T-1", { token: 7 })).resolves.toMatchObject({ status: "completed" });
    await expect(board.complete("T-2", { token: 8 })).resolves.toMatchObject({ status: "completed" });
    const events = await board.audit();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // The audit trail is still append-only after the table was rebuilt.
    expect(() => db.prepare("DELETE FROM events").run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE events SET details = 'x'").run()).toThrow(/append-only/);
    await board.close();
  });

  it("a lease token is greater than every earlier one, also for several tokens in one batch claim", async () => {
    const board = await openBoard(`sqlite:${join(freshDir(), "board.db")}`);
    await board.addMany([{ title: "a" }, { title: "b" }, { title: "c" }]);
    const first = await board.claim({ agent: "A" });
    const batch = await board.claimBatch({ agent: "B", ids: ["T-2", "T-3"] });
    const tokens = [first.leaseToken, ...batch.map((c) => c.leaseToken)];
    expect(new Set(tokens).size).toBe(3);
    expect(tokens[1]).toBeGreaterThan(tokens[0] as number);
    expect(tokens[2]).toBeGreaterThan(tokens[1] as number);
    // Each token is the seq of its own CLAIMED event.
    const claimed = (await board.audit({ type: "CLAIMED" })).map((e) => [e.taskId, e.seq]);
    expect(claimed).toEqual([["T-1", tokens[0]], ["T-2", tokens[1]], ["T-3", tokens[2]]]);
    await board.close();
  });

  it("a board from a newer baton (a higher schema version) is refused with CORRUPT_STORE naming the fix, and left untouched", async () => {
    const path = join(freshDir(), "board.db");
    const board = await openBoard(`sqlite:${path}`);
    await board.add({ title: "made by a newer baton" });
    await board.close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.pragma("wal_checkpoint(TRUNCATE)");
    raw.close();
    const before = readFileSync(path);
    const error = await refusal(openBoard(`sqlite:${path}`));
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toBe(
      `the board ${path} was created by a newer baton (schema version ${MIGRATIONS.length + 1} is newer than this baton knows (${MIGRATIONS.length})); upgrade baton`,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("after audit rotate the archived seqs are gone from the table, and a hand DELETE or UPDATE of the rest (or of the archives) is still refused", async () => {
    const dir = freshDir();
    const path = join(dir, "board.db");
    const clock = { ms: Date.parse("2030-01-01T00:00:00Z") };
    const board = await openBoard(`sqlite:${path}`, { clock: () => clock.ms });
    await board.addMany([{ title: "one" }, { title: "two" }]);
    clock.ms += 3600_000;
    await board.add({ title: "three" });
    const report = await board.rotateAudit({ before: "2030-01-01T00:30:00Z" });
    expect(report.archive).toMatchObject({ file: join(dir, "archive", "events-1-2.jsonl"), count: 2 });
    await board.close();
    const db = new Database(path);
    expect(db.prepare("SELECT seq FROM events ORDER BY seq").all()).toEqual([{ seq: 3 }, { seq: 4 }]);
    for (const statement of ["DELETE FROM events", "DELETE FROM events WHERE seq = 3", "UPDATE events SET details = 'x'", "DELETE FROM archives", "UPDATE archives SET to_seq = 4"]) {
      expect(() => db.prepare(statement).run(), statement).toThrow(/append-only/);
    }
    db.close();
    const again = await openBoard(`sqlite:${path}`);
    expect((await again.audit()).map((e) => `${e.seq} ${e.type}`)).toEqual(["1 CREATED", "2 CREATED", "3 CREATED", "4 ROTATED"]);
    await again.close();
  });
});

/**
 * The SQLite store: the whole conformance suite on a fresh file per board, plus what only
 * SQLite has (a corrupt database file, the durability knob).
 */
import { mkdtempSync, readFileSync, writeFileSync, truncateSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBoard } from "../src/index.js";
import { refusal } from "./conformance/harness.js";
import { runConformanceSuite } from "./conformance/suite.js";

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
    const db = (board.store as unknown as { db: { pragma(s: string, o: { simple: true }): unknown } }).db;
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    const task = await board.add({ title: "durable" });
    const claim = await board.claim({ agent: "A" });
    await board.complete(task.id, { token: claim.leaseToken });
    await board.close();
    const normal = await openBoard(`sqlite:${path}`);
    const normalDb = (normal.store as unknown as { db: { pragma(s: string, o: { simple: true }): unknown } }).db;
    expect(normalDb.pragma("synchronous", { simple: true })).toBe(1);
    expect((await normal.get(task.id)).status).toBe("completed");
    await normal.close();
    expect((await refusal(openBoard(`sqlite:${path}?durability=sometimes`))).code).toBe("INVALID_INPUT");
  });
});

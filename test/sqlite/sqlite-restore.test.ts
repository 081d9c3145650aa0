/**
 * A SQLite board restored in place by the process that has it open: reads after the restore
 * (on the store's own read connection, reopened by the restore) see the restored board, and
 * writes go on with lease tokens above every one issued before.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { openBoard } from "../../src/index.js";

const root = mkdtempSync(join(tmpdir(), "baton-sqlite-restore-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("restore in the process that reads the board: its reads see the restored board, its claims go on", async () => {
  const board = await openBoard(`sqlite:${join(root, "board.db")}`);
  try {
    await board.add({ title: "kept" });
    const file = join(root, "copy.db");
    expect((await board.backup(file)).ok).toBe(true);
    await board.add({ title: "after the backup" });
    const before = await board.claim({ agent: "a" });
    expect((await board.list()).map((t) => t.title)).toEqual(["kept", "after the backup"]);

    await board.restore(file, { force: true });
    expect((await board.list()).map((t) => t.title)).toEqual(["kept"]);
    expect((await board.get("T-1"))?.status).toBe("pending");
    const after = await board.claim({ agent: "b" });
    expect(after?.task.id).toBe("T-1");
    expect(after?.leaseToken).toBeGreaterThan(before?.leaseToken as number);
  } finally {
    await board.close();
  }
});

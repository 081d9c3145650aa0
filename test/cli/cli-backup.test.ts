/**
 * `baton backup` / `baton restore`: a backup taken while 8 processes race on the board passes
 * integrity and replay, holds every task acknowledged before it began, and restores; bad
 * files and a live board are refused with documented exit codes and nothing replaced.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { verifyBackup } from "../../src/board/backup.js";
import { openBoard } from "../../src/index.js";
import { openBackupCopy } from "../../src/store/backup-copy.js";
import { spawnWorker } from "../support/processes.js";
import { baton, batonAsync, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

const RACERS = 8;
const EACH = 40;

function boardUrl(kind: string, cwd: string): string {
  return kind === "json" ? `json:${join(cwd, "tasks.json")}` : `sqlite:${join(cwd, ".baton", "board.db")}`;
}

describe("baton backup and restore", () => {
  test.each([["sqlite"], ["json"]] as const)(
    "%s: a backup taken while 8 processes race is consistent, complete up to its start, and restores",
    async (kind) => {
      const init = kind === "json" ? ["--store", "json:tasks.json"] : [];
      const cwd = freshBoardDir(init);
      const url = boardUrl(kind, cwd);
      const file = join(mkdtempSync(join(tmpdir(), "baton-backup-")), kind === "json" ? "board-backup.json" : "board-backup.db");
      const workers = Array.from({ length: RACERS }, (_, i) => spawnWorker("add-racer", { url, agent: `racer-${i}`, count: EACH }));
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.go();
      const board = await openBoard(url);
      let acknowledged: string[];
      try {
        while ((await board.list()).length < EACH) await new Promise((r) => setTimeout(r, 20));
        acknowledged = (await board.list()).map((t) => t.id);
      } finally {
        await board.close();
      }
      const backup = await batonAsync(["backup", file, "--json"], { cwd });
      const exits = await Promise.all(workers.map((w) => w.exited));
      expect(exits.map((e) => e.code)).toEqual(Array(RACERS).fill(0));
      expect(backup.stderr).toBe("");
      expect(backup.code).toBe(0);
      expect(JSON.parse(backup.stdout)).toMatchObject({ verified: true });

      const verdict = await verifyBackup(kind, file);
      expect(verdict.replayMismatches).toEqual([]);
      expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
      expect(verdict.ok).toBe(true);
      const copy = await openBackupCopy(kind, file);
      let copied: string[];
      try {
        copied = await copy.store.read(async (tx) => (await tx.listTasks({})).map((t) => t.id));
      } finally {
        await copy.dispose();
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(EACH);
      expect(copied).toEqual(expect.arrayContaining(acknowledged));
      expect(verdict.tasks).toBe(copied.length);

      const target = freshBoardDir(init);
      const restored = batonJson(["restore", file], { cwd: target });
      expect(restored).toMatchObject({ restored: true, tasks: copied.length, events: verdict.events });
      const back = batonJson(["list", "--all"], { cwd: target }).map((t: { id: string }) => t.id);
      expect(back.sort()).toEqual([...copied].sort());
      expect(batonJson(["audit", "--all"], { cwd: target })).toHaveLength(verdict.events);
      expect(baton(["health"], { cwd: target }).code).toBe(0);
      expect(batonJson(["claim", "--agent", "after-restore"], { cwd: target }).status).toBe("in_progress");
    },
    120_000,
  );

  test.each([["sqlite"], ["json"]])(
    "%s: restore refuses a live board without --force; with it, replaces the board and never reissues a lease token",
    (kind) => {
      const cwd = freshBoardDir(kind === "json" ? ["--store", "json:tasks.json"] : []);
      batonJson(["add", "kept in the backup"], { cwd });
      const file = join(cwd, "copy.bak");
      batonJson(["backup", file], { cwd });
      batonJson(["add", "added after"], { cwd });
      const stale = batonJson(["claim", "--agent", "A"], { cwd });
      const before = snapshot(cwd);
      const refused = baton(["restore", file, "--json"], { cwd });
      expect(refused.code).toBe(4);
      expect(jsonError(refused).message).toContain("is live (it has tasks or events); restoring would replace it");
      expect(snapshot(cwd)).toEqual(before);
      batonJson(["restore", file, "--force"], { cwd });
      expect(batonJson(["list"], { cwd }).map((t: { title: string }) => t.title)).toEqual(["kept in the backup"]);
      // A's token from the lost timeline must never become valid again.
      const fresh = batonJson(["claim", "--agent", "B"], { cwd });
      expect(fresh.id).toBe(stale.id);
      expect(fresh.lease_token).toBeGreaterThan(stale.lease_token);
      const late = baton(["done", stale.id, "--token", String(stale.lease_token)], { cwd });
      expect(late.code).toBe(4);
    },
  );

  test.each([
    [["restore", "missing.db"], 2, "INVALID_INPUT", "no backup file at"],
    [["restore", "garbage.db"], 1, "CORRUPT_STORE", "is not a readable sqlite board"],
    [["backup", "no/such/dir/b.db"], 2, "INVALID_INPUT", "does not exist"],
    [["backup", ".baton/board.db"], 2, "INVALID_INPUT", "would overwrite the board itself"],
    [["backup"], 2, "INVALID_INPUT", "missing required argument"],
  ])("%j → exit %i (%s), nothing changed", (args, code, errorCode, message) => {
    const cwd = freshBoardDir();
    batonJson(["add", "x"], { cwd });
    writeFileSync(join(cwd, "garbage.db"), "not a database".repeat(100));
    const before = snapshot(cwd);
    const result = baton([...args, "--json"], { cwd });
    expect(result.code).toBe(code);
    const error = jsonError(result);
    expect([error.code, error.message]).toEqual([errorCode, expect.stringContaining(message)]);
    expect(snapshot(cwd)).toEqual(before);
  });
});

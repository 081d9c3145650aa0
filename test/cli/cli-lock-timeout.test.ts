/**
 * lockTimeoutSeconds: the board policy (.baton/config.json) and the store URL set how long a
 * write waits for the lock, and LOCK_TIMEOUT names the setting and how to raise it.
 * The lock is held by a connection (SQLite) or a live process's lock file (JSON) of this test.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { baton, freshBoardDir, jsonError, snapshot } from "./cli.js";

/** Runs `fn` while another connection holds the board's SQLite write lock. */
function withWriteLockHeld<T>(dbPath: string, fn: () => T): T {
  const holder = new Database(dbPath);
  try {
    holder.exec("BEGIN IMMEDIATE");
    return fn();
  } finally {
    holder.exec("ROLLBACK");
    holder.close();
  }
}

/** Writes the board policy into .baton/config.json (a plain `baton init` writes none). */
function setPolicy(dir: string, policy: Record<string, unknown>): void {
  const config = join(dir, ".baton", "config.json");
  const current = existsSync(config) ? (JSON.parse(readFileSync(config, "utf8")) as object) : {};
  writeFileSync(config, JSON.stringify({ ...current, ...policy }));
}

// Without the setting a write would wait the default 30 s: the generous test timeout lets
// that failure show as a wrong message rather than a hung test.
const SLACK = { timeout: 120_000 };

describe("lockTimeoutSeconds", () => {
  it("on the SQLite store URL: exit 6 after that wait, naming the setting and both places to raise it", SLACK, () => {
    const dir = freshBoardDir();
    const db = join(dir, ".baton", "board.db");
    const before = snapshot(dir);
    const result = withWriteLockHeld(db, () =>
      baton(["add", "x", "--json", "--store", `sqlite:${db}?lockTimeoutSeconds=0.3`], { cwd: dir }),
    );
    expect(result.code).toBe(6);
    const error = jsonError(result);
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message).toContain("(lockTimeoutSeconds is 0.3); retry, or raise lockTimeoutSeconds");
    expect(error.message).toContain('.baton/config.json, e.g. {"lockTimeoutSeconds": 120}');
    expect(error.message).toContain("sqlite:PATH?lockTimeoutSeconds=120");
    expect(snapshot(dir)).toEqual(before);
  });

  it("in the board policy (.baton/config.json): the SQLite store waits that long", SLACK, () => {
    const dir = freshBoardDir();
    setPolicy(dir, { lockTimeoutSeconds: 0.4 });
    const result = withWriteLockHeld(join(dir, ".baton", "board.db"), () => baton(["add", "x", "--json"], { cwd: dir }));
    expect(result.code).toBe(6);
    expect(jsonError(result).message).toContain("(lockTimeoutSeconds is 0.4)");
  });

  it("the URL's value wins over the policy's", SLACK, () => {
    const dir = freshBoardDir();
    setPolicy(dir, { lockTimeoutSeconds: 600 });
    const db = join(dir, ".baton", "board.db");
    const result = withWriteLockHeld(db, () =>
      baton(["add", "x", "--json", "--store", `sqlite:${db}?lockTimeoutSeconds=0.2`], { cwd: dir }),
    );
    expect(result.code).toBe(6);
    expect(jsonError(result).message).toContain("(lockTimeoutSeconds is 0.2)");
  });

  it("on a JSON store URL: the lock wait ends then, and the message names the setting", SLACK, () => {
    const dir = freshBoardDir();
    const tasks = join(dir, "tasks.json");
    writeFileSync(tasks, "[]\n");
    const lock = JSON.stringify({ agent_id: "Agent1", timestamp: new Date().toISOString(), pid: process.pid, host: hostname() });
    writeFileSync(join(dir, "tasks.lock"), lock);
    const result = baton(["add", "x", "--json", "--store", `json:${tasks}?lockTimeoutSeconds=0.3`], { cwd: dir });
    expect(result.code).toBe(6);
    const error = jsonError(result);
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message).toContain("Retry, raise lockTimeoutSeconds (in .baton/config.json");
    expect(readFileSync(tasks, "utf8")).toBe("[]\n");
  });

  it("a bad value on the URL is exit 2 naming the option and what it takes; the board is untouched", () => {
    const dir = freshBoardDir();
    const db = join(dir, ".baton", "board.db");
    const before = readFileSync(db);
    for (const value of ["abc", "0", "-1", ""]) {
      const result = baton(["add", "x", "--json", "--store", `sqlite:${db}?lockTimeoutSeconds=${value}`], { cwd: dir });
      expect(result.code).toBe(2);
      expect(jsonError(result).message).toContain(`lockTimeoutSeconds must be a number of seconds more than 0, not "${value}"`);
    }
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it("a bad value in the policy is exit 2 naming the file and the key", () => {
    const dir = freshBoardDir();
    setPolicy(dir, { lockTimeoutSeconds: 0 });
    const result = baton(["add", "x", "--json"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(jsonError(result).message).toContain("lockTimeoutSeconds must be more than 0 seconds");
  });
});

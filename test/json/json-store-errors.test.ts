/**
 * A failed commit leaves nothing; a committed one answers 0. With a full disk (a tiny tmpfs)
 * or an unwritable tasks.audit.jsonl, a refused operation is STORE_UNAVAILABLE (exit 1) naming
 * the file and the fix, the board is exactly as before (no task an agent's retry would
 * duplicate), and no empty tasks.lock nor temp file is left behind.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../cli/cli.js";

/** As root, permission bits do not apply: run the CLI as nobody so that chmod means something. */
const AS_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

function baton(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BATON_")));
  const run = spawnSync(process.execPath, [CLI, ...args, "--json"], { cwd, encoding: "utf8", env, timeout: 60_000, ...AS_USER });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

function errorOf(result: { stderr: string }): { code: string; message: string } {
  return (JSON.parse(result.stderr) as { error: { code: string; message: string } }).error;
}

/** A directory anyone may write (the CLI may run as nobody). */
function openDir(parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, "baton-errors-"));
  chmodSync(dir, 0o777);
  return dir;
}

function checksums(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map(({ name }) => [name, createHash("sha256").update(readFileSync(join(dir, name))).digest("hex")]),
  );
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".tmp") || name.includes(".lock"));
}

function titles(dir: string, store: string): string[] {
  const list = baton(["list", "--store", store], dir);
  expect(list.code, list.stderr).toBe(0);
  return (JSON.parse(list.stdout) as { title: string }[]).map((t) => t.title).sort();
}

function createdEvents(dir: string, store: string): number {
  const audit = baton(["audit", "--store", store], dir);
  expect(audit.code, audit.stderr).toBe(0);
  return (JSON.parse(audit.stdout) as { type: string }[]).filter((e) => e.type === "CREATED").length;
}

describe("json store: failed commits leave nothing", () => {
  it("an unwritable tasks.audit.jsonl: add exits 1 STORE_UNAVAILABLE naming it, and the task is not on the board", () => {
    const dir = openDir();
    const store = `json:${join(dir, "tasks.json")}`;
    expect(baton(["init", "--store", store], dir).code).toBe(0);
    expect(baton(["add", "one", "--store", store], dir).code).toBe(0);
    const audit = join(dir, "tasks.audit.jsonl");
    chmodSync(audit, 0o444);
    const before = checksums(dir);
    const refused = baton(["add", "two", "--store", store], dir);
    expect(refused.code, refused.stderr).toBe(1);
    expect(errorOf(refused)).toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(errorOf(refused).message).toContain(`cannot write ${audit}: permission denied (EACCES); nothing was saved`);
    expect(checksums(dir)).toEqual(before);
    expect(leftovers(dir)).toEqual([]);
    expect(titles(dir, store)).toEqual(["one"]);
    chmodSync(audit, 0o644);
    expect(baton(["add", "two", "--store", store], dir).code).toBe(0);
    expect(titles(dir, store)).toEqual(["one", "two"]);
    expect(createdEvents(dir, store)).toBe(2);
  });

  describe("a full disk (a 512 KiB tmpfs)", () => {
    const mountPoint = openDir();
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=512k,mode=0777", "tmpfs", mountPoint]);
    const reason = mounted.status === 0 ? null : `cannot mount a tmpfs here (${mounted.stderr?.toString().trim() || "not root"})`;
    afterAll(() => {
      if (reason === null && spawnSync("umount", [mountPoint]).status !== 0) spawnSync("umount", ["-l", mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    });

    it("adds at every level of free space: each answers 0 and is on the board, or exits 1 naming the full disk and left nothing", async (ctx) => {
      if (reason !== null) return ctx.skip(reason);
      const dir = join(mountPoint, "board");
      mkdirSync(dir, { mode: 0o777 });
      chmodSync(dir, 0o777);
      const store = `json:${join(dir, "tasks.json")}`;
      expect(baton(["init", "--store", store], dir).code).toBe(0);
      for (let i = 0; i < 5; i++) expect(baton(["add", `seed ${i}`, "--store", store], dir).code).toBe(0);
      // Fill the disk, then give back a little more room before each add.
      const filler = join(mountPoint, "filler");
      const fd = openSync(filler, "w");
      const chunk = Buffer.alloc(4096, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
      } finally {
        closeSync(fd);
      }
      const full = statSync(filler).size;
      const seeded = Array.from({ length: 5 }, (_, i) => `seed ${i}`);
      // Read while full: no tasks.lock can be written, so nobody can commit; the files are read as they are.
      expect(titles(dir, store)).toEqual(seeded);
      const answered: string[] = [];
      let refusals = 0;
      for (let i = 0; i < 40; i++) {
        truncateSync(filler, Math.max(0, full - i * 1024));
        // Let the worker answer vitest between runs: 40 blocking runs on a loaded machine took
        // over the 60 s its RPC waits ("Timeout calling onTaskUpdate").
        await new Promise((resolve) => setImmediate(resolve));
        const result = baton(["add", `task ${i}`, "--store", store], dir);
        if (result.code === 0) {
          answered.push(`task ${i}`);
        } else {
          refusals++;
          expect(result.code, result.stderr).toBe(1);
          const error = errorOf(result);
          expect(error.code, error.message).toBe("STORE_UNAVAILABLE");
          expect(error.message).toContain(`the disk holding ${dir} is full (ENOSPC)`);
        }
        expect(leftovers(dir)).toEqual([]);
      }
      expect(refusals).toBeGreaterThan(0);
      expect(answered.length).toBeGreaterThan(0);
      rmSync(filler);
      expect(titles(dir, store)).toEqual([...seeded, ...answered].sort());
      expect(createdEvents(dir, store)).toBe(5 + answered.length);
      expect(leftovers(dir)).toEqual([]);
    });
  });
});

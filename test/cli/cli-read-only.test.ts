/**
 * A SQLite board made read-only and then writable again works again: SQLite gives the -shm it
 * creates meanwhile the board file's 0444 and never changes it back, so every write failed
 * until someone found the file. While read-only, the message names the files to fix.
 * Permissions do not bind root, so as root the CLI runs as `nobody`. And `baton init` where it
 * may not write refuses with the directory and the fix, creating nothing.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CLI } from "./cli.js";

const asRoot = process.getuid?.() === 0;

function run(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NO_COLOR: "1", HOME: cwd };
  const [cmd, argv] = asRoot
    ? ["setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  const result = spawnSync(cmd, argv as string[], { cwd, env, encoding: "utf8" });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A temp directory the CLI (as nobody, when root) may write. */
function writableDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) chownSync(dir, Number(spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout), statSync(dir).gid);
  return dir;
}

function boardDir(): string {
  const dir = writableDir("baton-ro-");
  expect(run(["init"], dir).code).toBe(0);
  expect(run(["add", "first"], dir).code).toBe(0);
  return dir;
}

describe("a SQLite board made read-only, then writable again", () => {
  test("while read-only: exit 1 STORE_UNAVAILABLE naming the files; writable again: writes work (board.db-shm gets its mode back)", () => {
    const dir = boardDir();
    const db = join(dir, ".baton", "board.db");
    chmodSync(db, 0o444);
    expect(run(["list"], dir).code).toBe(0);
    const refused = run(["add", "second", "--json"], dir);
    expect(refused.code).toBe(1);
    const error = JSON.parse(refused.stderr).error as { code: string; message: string };
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toContain(`cannot use the board database ${db}: attempt to write a readonly database; not writable: ${db}`);
    expect(error.message).toContain(`${db}-shm`);
    expect(error.message).toMatch(/\(make them writable, e\.g\. chmod u\+w\)$/);
    expect(statSync(`${db}-shm`).mode & 0o777).toBe(0o444);

    chmodSync(db, 0o644);
    const again = run(["add", "second"], dir);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
    const listed = run(["list", "--json"], dir);
    expect((JSON.parse(listed.stdout) as { title: string }[]).map((t) => t.title)).toEqual(["first", "second"]);
  });
});

describe("baton init in a directory it cannot write", () => {
  test("exit 1 STORE_UNAVAILABLE naming the directory and the fix; nothing is created", () => {
    // Owned by root (or, not as root, by this user) with mode 555: the CLI (as nobody) may not write it.
    const dir = mkdtempSync(join(tmpdir(), "baton-ro-init-"));
    chmodSync(dir, 0o555);
    try {
      const refused = run(["init", "--json"], dir);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe("");
      const error = JSON.parse(refused.stderr).error as { code: string; message: string };
      expect(error).toEqual({
        code: "STORE_UNAVAILABLE",
        message:
          `cannot create the board directory ${join(dir, ".baton")}: permission denied (EACCES); nothing was created. ` +
          `Run \`baton init\` in a directory you can write, or make ${dir} writable (e.g. chmod u+w ${dir})`,
      });
      expect(readdirSync(dir)).toEqual([]);
      const human = run(["init"], dir);
      expect(human.code).toBe(1);
      expect(human.stderr).toContain(`baton: cannot create the board directory ${join(dir, ".baton")}: permission denied (EACCES)`);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      chmodSync(dir, 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a file named .baton in the way: exit 1 STORE_UNAVAILABLE saying to move it aside; the file is left as it was", () => {
    const dir = writableDir("baton-init-file-");
    try {
      writeFileSync(join(dir, ".baton"), "not a directory\n");
      const refused = run(["init", "--json"], dir);
      expect(refused.code).toBe(1);
      const error = JSON.parse(refused.stderr).error as { code: string; message: string };
      expect(error.code).toBe("STORE_UNAVAILABLE");
      expect(error.message).toBe(
        `cannot create the board directory ${join(dir, ".baton")}: a file that is not a directory is in the way (EEXIST); ` +
          "nothing was created. Move it aside and run `baton init` again",
      );
      expect(readFileSync(join(dir, ".baton"), "utf8")).toBe("not a directory\n");
      expect(readdirSync(dir)).toEqual([".baton"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

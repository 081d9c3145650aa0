/**
 * A read never turns a file into a board (SPEC §3.6): another application's SQLite database,
 * an empty or 1-byte file, an older schema and a symlinked board.db are refused with the
 * file byte-for-byte as it was; only a `create` open (`baton init`) makes or migrates a board,
 * and even it refuses another application's database.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import { baton, jsonError } from "../cli/cli.js";
import { refusal } from "../conformance/harness.js";

const root = mkdtempSync(join(tmpdir(), "baton-board-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => mkdtempSync(join(root, `d${++dirs}-`));

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Another application's database: a table of its own, in rollback-journal mode. */
function foreignDatabase(path: string): void {
  const db = new Database(path);
  db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ann'), ('bob');");
  db.close();
}

/** Every file in the directory, with its checksum: nothing may appear, vanish or change. */
function directoryState(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, sha256(join(dir, name))]));
}

describe("reading never makes a board (CLI)", () => {
  const reads = [["list"], ["audit"], ["add", "x"], ["ready"]];

  it("another application's SQLite database: exit 1 CORRUPT_STORE naming it and its tables, every byte kept", () => {
    const dir = freshDir();
    const file = join(dir, "app.db");
    foreignDatabase(file);
    const before = directoryState(dir);
    for (const args of reads) {
      const text = baton(["--store", `sqlite:${file}`, ...args], { cwd: dir });
      expect(text.code).toBe(1);
      expect(text.stderr).toBe(
        `baton: the board database ${file} is corrupt or not a baton board (it is another application's SQLite ` +
          "database (tables: users)); it was left untouched: point --store at a baton board, or at a new path for " +
          "`baton init` to create one there\n",
      );
      const json = baton(["--store", `sqlite:${file}`, ...args, "--json"], { cwd: dir });
      expect(json.code).toBe(1);
      expect(jsonError(json).code).toBe("CORRUPT_STORE");
    }
    expect(directoryState(dir)).toEqual(before);
  });

  it("`baton init` refuses another application's database too, and leaves no .baton/ behind", () => {
    const dir = freshDir();
    const file = join(dir, "app.db");
    foreignDatabase(file);
    const before = directoryState(dir);
    const result = baton(["--store", `sqlite:${file}`, "init", "--json"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(jsonError(result).code).toBe("CORRUPT_STORE");
    expect(directoryState(dir)).toEqual(before);
  });

  it("an empty file is NOT_FOUND (exit 3) and a 1-byte file CORRUPT_STORE (exit 1); neither grows into a board", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "empty.db"), "");
    writeFileSync(join(dir, "one.db"), "x");
    const before = directoryState(dir);
    const empty = baton(["--store", `sqlite:${join(dir, "empty.db")}`, "list"], { cwd: dir });
    expect(empty.code).toBe(3);
    expect(empty.stderr).toBe(`baton: no board at ${join(dir, "empty.db")} (it is an empty file); run \`baton init\` to create one\n`);
    const one = baton(["--store", `sqlite:${join(dir, "one.db")}`, "list", "--json"], { cwd: dir });
    expect(one.code).toBe(1);
    expect(jsonError(one)).toEqual({
      code: "CORRUPT_STORE",
      message:
        `the board database ${join(dir, "one.db")} is corrupt or not a baton board (it is not a SQLite database ` +
        "(1 bytes)); it was left untouched: point --store at a baton board, or at a new path for `baton init` to create one there",
    });
    expect(directoryState(dir)).toEqual(before);
    // `baton init` may make the empty file a board: it is nobody's data.
    expect(baton(["--store", `sqlite:${join(dir, "empty.db")}`, "init"], { cwd: dir }).code).toBe(0);
    expect(baton(["--store", `sqlite:${join(dir, "empty.db")}`, "list"], { cwd: dir }).code).toBe(0);
  });

  it("a symlinked .baton/board.db is refused for reads, naming the link; the target and its directory stay untouched", () => {
    const dir = freshDir();
    expect(baton(["init"], { cwd: dir }).code).toBe(0);
    expect(baton(["add", "kept"], { cwd: dir }).code).toBe(0);
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    const link = join(dir, ".baton", "board.db");
    for (const suffix of ["", "-wal", "-shm"]) {
      if (existsSync(link + suffix)) renameSync(link + suffix, join(elsewhere, `board.db${suffix}`));
    }
    symlinkSync(join(elsewhere, "board.db"), link);
    const before = directoryState(elsewhere);
    const batonDir = readdirSync(join(dir, ".baton")).sort();
    for (const args of reads) {
      const text = baton(args, { cwd: dir });
      expect(text.code).toBe(1);
      expect(text.stderr).toMatch(/^baton: the board \S+\/\.baton\/board\.db is a symlink; baton never opens a store file through a symlink/);
      expect(jsonError(baton([...args, "--json"], { cwd: dir })).code).toBe("CORRUPT_STORE");
    }
    expect(directoryState(elsewhere)).toEqual(before);
    expect(readdirSync(join(dir, ".baton")).sort()).toEqual(batonDir);
  });
});

describe("reading never makes a board (library)", () => {
  it("create: false on an empty SQLite database (no tables) is NOT_FOUND; create: true makes it a board", async () => {
    const path = join(freshDir(), "blank.db");
    // A database with a header but no tables (one created and dropped): nobody's data.
    const blank = new Database(path);
    blank.exec("CREATE TABLE scratch (x); DROP TABLE scratch;");
    blank.close();
    const sum = sha256(path);
    const error = await refusal(openBoard(`sqlite:${path}`, { create: false }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toBe(`no board at ${path} (it is an empty SQLite database); run \`baton init\` to create one`);
    expect(sha256(path)).toBe(sum);
    const board = await openBoard(`sqlite:${path}`, { create: true });
    expect((await board.add({ title: "t" })).id).toBe("T-1");
    await board.close();
  });

  it("the read connection, opened on the first read, never makes a board of a file gone or replaced since the open", async () => {
    const dir = freshDir();
    const path = join(dir, "board.db");
    const board = await openBoard(`sqlite:${path}`, { create: true });
    try {
      for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
      const gone = await refusal(board.list());
      expect(gone.code).toBe("NOT_FOUND");
      expect(existsSync(path)).toBe(false);
      foreignDatabase(path);
      const state = directoryState(dir);
      const foreign = await refusal(board.list());
      expect(foreign.code).toBe("CORRUPT_STORE");
      expect(foreign.message).toContain("another application's SQLite database (tables: users)");
      expect(directoryState(dir)).toEqual(state);
    } finally {
      await board.close();
    }
  });

  it("create: true refuses another application's database, every byte kept", async () => {
    const path = join(freshDir(), "app.db");
    foreignDatabase(path);
    const sum = sha256(path);
    const error = await refusal(openBoard(`sqlite:${path}`));
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toContain("another application's SQLite database (tables: users)");
    expect(sha256(path)).toBe(sum);
  });

  it("an older schema is only migrated by a create open: create: false is STORE_UNAVAILABLE naming `baton init`", async () => {
    const path = join(freshDir(), "old.db");
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    old.exec(MIGRATIONS[0] as string);
    old.pragma("user_version = 1");
    old.close();
    const sum = sha256(path);
    const error = await refusal(openBoard(`sqlite:${path}`, { create: false }));
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toBe(
      `the board ${path} has schema version 1, older than this baton's ${MIGRATIONS.length}; ` +
        "run `baton init` (with the same --store) to upgrade it; nothing was changed",
    );
    expect(sha256(path)).toBe(sum);
    const board = await openBoard(`sqlite:${path}`, { create: true });
    await board.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });
});

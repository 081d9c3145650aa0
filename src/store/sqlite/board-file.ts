/**
 * Is this file a baton board? Checked before SQLite may write to it: opening a file with
 * SQLite and setting WAL mode or running the migrations would turn any file into a board (an
 * empty or 1-byte file into a fresh 73 KB one, another application's database into one with
 * baton's tables added). Only a `create` open (`baton init`, the library's default) may make or
 * migrate a board, and even it refuses another application's database.
 *
 * Store files are never opened through a symlink (SPEC §3.6): SQLite follows the link and
 * would write the board, its -wal and -shm beside the target, so a symlinked board.db is
 * refused for reads as well as writes. Point the store URL at the target instead.
 */
import { accessSync, chmodSync, closeSync, constants, lstatSync, openSync, readSync } from "node:fs";
import { dirname } from "node:path";
import { BatonError, ErrorCode } from "../../core/errors.js";
import type Database from "better-sqlite3";

const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");
/** The tables every baton schema has (migration 1); their absence means another application's file. */
const BATON_TABLES = ["tasks", "events", "meta", "counters", "agents"];

export type BoardFileState = "absent" | "empty" | "sqlite";

/** The file as it is on disk, refusing what can never be a board. Nothing is written. */
export function inspectBoardFile(location: string, create: boolean): BoardFileState {
  let stat;
  try {
    stat = lstatSync(location);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (!create) throw noBoard(location);
    return "absent";
  }
  if (stat.isSymbolicLink()) {
    throw new BatonError(
      ErrorCode.CORRUPT_STORE,
      `the board ${location} is a symlink; baton never opens a store file through a symlink ` +
        "(it would write beside the link's target): use the target's path as the store, e.g. --store sqlite:TARGET",
      { location },
    );
  }
  if (!stat.isFile()) throw notABoard(location, "it is not a regular file");
  if (stat.size === 0) {
    if (!create) throw noBoard(location, "it is an empty file");
    return "empty";
  }
  if (!startsWithSqliteHeader(location)) throw notABoard(location, `it is not a SQLite database (${stat.size} bytes)`);
  return "sqlite";
}

/**
 * The schema SQLite reports, before anything is written: another application's tables are
 * refused, an empty database only becomes a board on a `create` open, and an older baton
 * schema is only migrated by one. Returns the schema version found.
 */
export function checkBoardSchema(db: Database.Database, location: string, create: boolean, newest: number): number {
  const version = db.pragma("user_version", { simple: true }) as number;
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((row) => row.name);
  if (version === 0 && tables.length === 0) {
    if (!create) throw noBoard(location, "it is an empty SQLite database");
    return version;
  }
  const missing = BATON_TABLES.filter((t) => !tables.includes(t));
  if (version === 0 || missing.length > 0) {
    const shown = tables.slice(0, 5).join(", ") + (tables.length > 5 ? `, … (${tables.length} tables)` : "");
    throw notABoard(location, `it is another application's SQLite database (tables: ${shown || "none"})`);
  }
  if (version < newest && !create) {
    throw new BatonError(
      ErrorCode.STORE_UNAVAILABLE,
      `the board ${location} has schema version ${version}, older than this baton's ${newest}; ` +
        "run `baton init` (with the same --store) to upgrade it; nothing was changed",
      { location, version },
    );
  }
  return version;
}

/**
 * SQLite creates `-shm` (and `-wal`) with the board file's mode: opened while board.db was
 * 0444, they are made 0444, and SQLite later fixes `-wal` but not `-shm`, so once board.db is
 * writable again every write still failed ("attempt to write a readonly database"). A sidecar
 * of ours that is read-only beside a writable board file gets the board file's mode back.
 */
export function restoreSidecarModes(location: string): void {
  const board = lstatSync(location);
  if (!writable(location)) return;
  for (const path of [`${location}-shm`, `${location}-wal`]) {
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (!stat.isFile() || stat.uid !== process.getuid?.() || writable(path)) continue;
    try {
      chmodSync(path, board.mode & 0o666);
    } catch (error) {
      // Another process's last close removed `-wal` between the look and the chmod (seen in
      // test/cli/cli-race.test.ts as INTERNAL ENOENT): a sidecar that is gone has no mode to fix.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

/** The files a write to the board needs and cannot write (for the message of a read-only failure). */
export function unwritableFiles(location: string): string[] {
  const files = [location, `${location}-wal`, `${location}-shm`].filter((path) => {
    try {
      lstatSync(path);
    } catch {
      return false;
    }
    return !writable(path);
  });
  if (!writable(dirname(location))) files.push(`${dirname(location)}/ (the directory)`);
  return files;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function startsWithSqliteHeader(location: string): boolean {
  const fd = openSync(location, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const n = readSync(fd, head, 0, head.length, 0);
    return n === head.length && head.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

function noBoard(location: string, why?: string): BatonError {
  return new BatonError(
    ErrorCode.NOT_FOUND,
    `no board at ${location}${why ? ` (${why})` : ""}; run \`baton init\` to create one`,
    { location },
  );
}

function notABoard(location: string, why: string): BatonError {
  return new BatonError(
    ErrorCode.CORRUPT_STORE,
    `the board database ${location} is corrupt or not a baton board (${why}); it was left untouched: ` +
      "point --store at a baton board, or at a new path for `baton init` to create one there",
    { location },
  );
}

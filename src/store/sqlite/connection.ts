/**
 * One better-sqlite3 connection with its prepared statements, and the mapping of SQLite's own
 * failures to baton's. The store holds two: one for write transactions, one for reads (see
 * sqlite-store.ts), each with its own statement cache, since a statement belongs to one
 * connection.
 */
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { unwritableFiles } from "./board-file.js";
import { diskFull } from "./disk-space.js";

export type Statement = Database.Statement<unknown[], unknown>;

export class Connection {
  private handle: Database.Database | null = null;
  private closed = false;
  private readonly statements = new Map<string, Statement>();

  constructor(
    readonly location: string,
    private readonly options: { mustExist?: boolean; setUp?: (db: Database.Database) => void } = {},
  ) {}

  /**
   * The database, opened and set up (`setUp`) on first use. An open that failed is tried again
   * at the next use: a board opened on a full disk gets its write connection once there is room.
   */
  get db(): Database.Database {
    if (this.closed) throw new TypeError("The database connection is not open");
    if (this.handle === null) this.handle = this.open();
    return this.handle;
  }

  private open(): Database.Database {
    // busy_timeout 0: the store waits for the write lock itself (see busy.ts). mustExist: the
    // read connection never creates the file (see sqlite-store.ts).
    const db = this.guard(() => new Database(this.location, { timeout: 0, fileMustExist: this.options.mustExist ?? false }));
    try {
      this.guard(() => this.options.setUp?.(db));
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  }

  /** Runs `fn`, turning SQLite's failures into baton's (see `guard`). */
  guard<T>(fn: () => T): T {
    return guard(this.location, fn);
  }

  stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.guard(() => this.db.prepare(sql));
      this.statements.set(sql, statement);
    }
    return statement;
  }

  all<R>(sql: string, ...params: unknown[]): R[] {
    return this.guard(() => this.stmt(sql).all(...params) as R[]);
  }

  get<R>(sql: string, ...params: unknown[]): R | undefined {
    return this.guard(() => this.stmt(sql).get(...params) as R | undefined);
  }

  run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.guard(() => this.stmt(sql).run(...params));
  }

  close(): void {
    this.closed = true;
    this.handle?.close();
    this.handle = null;
  }
}

/** Maps SQLite's own failures to baton's: a garbage file is CORRUPT_STORE, never rewritten. */
function guard<T>(location: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
      throw new BatonError(
        ErrorCode.CORRUPT_STORE,
        `the board database ${location} is corrupt or not a baton board (${(error as Error).message}); ` +
          "it was left untouched: restore it from a backup or move it aside and run `baton init`",
        { location },
      );
    }
    if (code === "SQLITE_FULL" || (code.startsWith("SQLITE_IOERR") && location !== ":memory:" && diskFull(dirname(location)))) {
      // A statement or commit that found no room is rolled back with its transaction: nothing was saved.
      throw new BatonError(
        ErrorCode.STORE_UNAVAILABLE,
        `cannot write the board database ${location}: the disk holding ${dirname(location)} is full (${code}); ` +
          "nothing was saved. Free some space and retry",
        { location, errno: "ENOSPC" },
      );
    }
    if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_IOERR")) {
      const readOnly = location === ":memory:" ? [] : unwritableFiles(location);
      throw new BatonError(
        ErrorCode.STORE_UNAVAILABLE,
        `cannot use the board database ${location}: ${(error as Error).message}` +
          (readOnly.length > 0 ? `; not writable: ${readOnly.join(", ")} (make them writable, e.g. chmod u+w)` : ""),
        { location, ...(readOnly.length > 0 && { readOnly }) },
      );
    }
    throw error;
  }
}

/**
 * The embedded default store: one SQLite file in WAL mode, any number of processes.
 * Every write transaction is BEGIN IMMEDIATE (it takes the write lock up front, so two
 * processes never both read a task as pending and both claim it); reads run in deferred
 * transactions on a WAL snapshot, on a connection of their own, so they never wait for a
 * writer, not even one of this process that waits for the lock.
 *
 * Files: connection.ts (a connection and SQLite's failures mapped to baton's), reads.ts and
 * writes.ts (the StoreReader / StoreWriter over a connection), write-lock.ts (taking and handing
 * on the write lock, with busy.ts, doorbell.ts and turn.ts), migrations.ts, rows.ts.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { idOrderKey } from "../../core/selection.js";
import { SerialQueue } from "../serial-queue.js";
import { Connection } from "./connection.js";
import { checkpointPages, isDiskFull } from "./disk-space.js";
import { WriteLock } from "./write-lock.js";
import { checkBoardSchema, inspectBoardFile, restoreSidecarModes } from "./board-file.js";
import { backupSqlite, restoreSqlite } from "./backup.js";
import { inspectSqlite } from "./inspection.js";
import { MIGRATIONS } from "./migrations.js";
import { sqliteReads } from "./reads.js";
import { SqliteWebhooks } from "./webhooks.js";
import { sqliteWriter } from "./writes.js";
import type Database from "better-sqlite3";
import type { Store, StoreCheck, StoreOptions, StoreReader, StoreWriter, WebhookStore } from "../store.js";
import type { SqlRunner } from "./webhooks.js";
import type { SqliteWriter } from "./writes.js";

export function openSqliteStore(path: string, options: StoreOptions = {}): SqliteStore {
  return new SqliteStore(path, options);
}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly writes: Connection;
  private readonly writer: SqliteWriter;
  readonly webhooks: WebhookStore;
  /** Write transactions of this process, one at a time on the write connection. */
  private readonly writeQueue = new SerialQueue();
  /** Opened by the first read; for ":memory:" (one database per connection) the write connection. */
  private reads: { conn: Connection; reader: StoreReader; queue: SerialQueue } | null = null;
  /** Taking and handing on the write lock, on the write connection (write-lock.ts). */
  private readonly lock: WriteLock;

  constructor(
    readonly location: string,
    options: StoreOptions = {},
  ) {
    const create = options.create ?? true;
    const file = location === ":memory:" ? "absent" : inspectBoardFile(location, create);
    if (file === "absent" && location !== ":memory:") mkdirSync(dirname(location), { recursive: true });
    else if (file !== "absent") restoreSidecarModes(location);
    this.writes = new Connection(location, { setUp: (db) => this.setUpWrites(db, create, options.durability === "full") });
    this.lock = new WriteLock(this.writes, options);
    try {
      void this.writes.db;
    } catch (error) {
      // A board on a disk too full even for the WAL index (-shm) every connection needs: it is
      // still read (see `read`), and the write connection is opened by the first write that
      // finds room. Anything else, or a board still to be made, is refused here.
      if (!(file === "sqlite" && isDiskFull(error))) throw error;
    }
    this.writer = sqliteWriter(this.writes);
    if (location === ":memory:") {
      this.reads = { conn: this.writes, reader: sqliteReads(this.writes), queue: this.writeQueue };
    }
    const runner = (conn: Connection): SqlRunner => ({
      all: (text, ...params) => conn.all(text, ...params),
      get: (text, ...params) => conn.get(text, ...params),
      run: (text, ...params) => conn.run(text, ...params),
    });
    this.webhooks = new SqliteWebhooks((write, fn) =>
      write
        ? this.transaction(async () => fn(runner(this.writes)))
        : this.read(async () => fn(runner(this.openReads().conn))),
    );
  }

  private setUpWrites(db: Database.Database, create: boolean, durable: boolean): void {
    // Before anything is written: another application's database stays as it is.
    this.lock.retry(() => checkBoardSchema(db, this.location, create, MIGRATIONS.length));
    this.lock.retry(() => db.pragma("journal_mode = WAL"));
    db.pragma(`synchronous = ${durable ? "FULL" : "NORMAL"}`);
    db.pragma("foreign_keys = OFF");
    // A checkpoint (copy the WAL into the database, two fsyncs) every 10,000 pages instead of
    // SQLite's 1,000: a claim+complete writes ~23 pages, so the default checkpointed every
    // ~43 cycles and each one stalled its process ~15 ms. Single process: 1,014 → 1,403
    // cycles/s, claim p99 14.9 → 0.7 ms. The WAL file then peaks near 40 MB, so on a disk with
    // less free than four times that the WAL is kept to a quarter of the free space (disk-space.ts).
    this.boundWal(db);
    this.migrate(db);
  }

  /** Checkpoints at CHECKPOINT_PAGES, or sooner where the disk has less room (disk-space.ts). */
  private boundWal(db: Database.Database): void {
    if (this.location === ":memory:") return;
    db.pragma(`wal_autocheckpoint = ${checkpointPages(dirname(this.location), db.pragma("page_size", { simple: true }) as number)}`);
  }

  /**
   * After a write found the disk full: the WAL may be what filled it, and no autocheckpoint
   * comes before it reaches its size. Checkpoint now — TRUNCATE gives the WAL's space back when
   * the database file has room to take its pages — and, with the space now known, sooner from
   * here on. Still no room: the refusal stands, and the next write tries again.
   */
  private afterDiskFull(error: unknown): void {
    if (!isDiskFull(error) || this.location === ":memory:") return;
    let db: Database.Database;
    try {
      db = this.writes.db;
    } catch {
      return; // not open: the disk was full when it was first needed
    }
    try {
      db.pragma("wal_checkpoint(TRUNCATE)");
    } catch {
      // The checkpoint itself found no room; the WAL keeps every committed write meanwhile.
    }
    this.boundWal(db);
  }

  private migrate(db: Database.Database): void {
    // Migration 2 fills the id_order column of existing tasks with the core's own key.
    db.function("baton_id_order", { deterministic: true }, (id: unknown) => idOrderKey(String(id)));
    const version = (): number => db.pragma("user_version", { simple: true }) as number;
    // An older baton must not write to a newer schema (schema 2 takes lease tokens from the
    // event seq; schema 1 code would hand out tokens from its old counter, possibly twice).
    if (version() > MIGRATIONS.length) {
      throw new BatonError(
        ErrorCode.CORRUPT_STORE,
        `the board ${this.location} was created by a newer baton (schema version ${version()} is newer than ` +
          `this baton knows (${MIGRATIONS.length})); upgrade baton`,
        { location: this.location },
      );
    }
    if (version() >= MIGRATIONS.length) return;
    // Synchronous even for lockWait "async": it runs once, while the board is being opened.
    this.lock.retry(() => db.exec("BEGIN IMMEDIATE"));
    try {
      for (let v = version(); v < MIGRATIONS.length; v++) {
        db.exec(MIGRATIONS[v] as string);
        db.pragma(`user_version = ${v + 1}`);
      }
      db.exec("COMMIT");
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    return this.writeTransaction(async () => {
      this.writer.begin();
      return fn(this.writer.tx);
    });
  }

  /** BEGIN IMMEDIATE, `body`, COMMIT, in this process's queue of writes; ROLLBACK on a throw. */
  private writeTransaction<T>(body: (db: Database.Database) => Promise<T>): Promise<T> {
    return this.writeQueue.run(async () => {
      const db = this.writes.db;
      await this.lock.begin();
      try {
        const result = await body(db);
        // In WAL, COMMIT of a transaction that holds the write lock is not refused as busy;
        // the retry is for the rollback-journal case of an old board.
        await this.lock.whenUnlocked(() => db.exec("COMMIT"), null);
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec("ROLLBACK");
        this.afterDiskFull(error);
        throw error;
      } finally {
        // The write lock is free: hand it on now or at the end of this turn (turn.ts).
        this.lock.ended();
      }
    });
  }

  /**
   * Group commit: one BEGIN IMMEDIATE … COMMIT for several operations, each under a SAVEPOINT
   * (ROLLBACK TO on a throw), so a server takes many agents' writes with one lock hand-over
   * and one commit instead of one each. An error that ends the whole SQLite transaction (the
   * database is full, an I/O error) fails every operation of the batch: none was committed.
   */
  transactionBatch<T>(fns: readonly ((tx: StoreWriter) => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    return this.writeTransaction(async (db) => {
      const outcomes: PromiseSettledResult<T>[] = [];
      for (const fn of fns) {
        // Each operation takes its tokens as it would alone (see writes.ts nextLeaseToken).
        this.writer.begin();
        db.exec("SAVEPOINT baton_op");
        try {
          const value = await fn(this.writer.tx);
          db.exec("RELEASE baton_op");
          outcomes.push({ status: "fulfilled", value });
        } catch (reason) {
          if (!db.inTransaction) throw reason;
          db.exec("ROLLBACK TO baton_op");
          db.exec("RELEASE baton_op");
          outcomes.push({ status: "rejected", reason });
        }
      }
      return outcomes;
    });
  }

  read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    let reads: { conn: Connection; reader: StoreReader; queue: SerialQueue };
    try {
      reads = this.openReads();
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      return this.readWhileFull(fn);
    }
    return reads.queue.run(async () => readOn(reads.conn, reads.reader, fn));
  }

  /**
   * A read where the disk is too full for the WAL index (-shm) a shared connection maps. Only
   * when no connection has the board open (each one made the -shm it needs), so this one takes
   * the board alone, for one read: in EXCLUSIVE locking mode SQLite keeps the WAL index in its
   * own memory. Closing it releases the lock; a process opening the board meanwhile waits for
   * it as for a writer (busy.ts).
   */
  private async readWhileFull<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    const conn = this.readConnection({ alone: true });
    try {
      return await readOn(conn, sqliteReads(conn), fn);
    } finally {
      conn.close();
    }
  }

  /**
   * A read connection. Opened later than the write connection (and again after a restore): the
   * file may have gone or been replaced since. A read never creates, makes or migrates a
   * board, so it checks again and opens only an existing file (see board-file.ts).
   */
  private readConnection(options: { alone?: boolean } = {}): Connection {
    inspectBoardFile(this.location, false);
    const conn = new Connection(this.location, {
      mustExist: true,
      setUp: (db) => {
        if (options.alone) db.pragma("locking_mode = EXCLUSIVE");
        db.pragma("query_only = ON");
        this.lock.retry(() => checkBoardSchema(db, this.location, false, MIGRATIONS.length));
      },
    });
    void conn.db;
    return conn;
  }

  private openReads(): { conn: Connection; reader: StoreReader; queue: SerialQueue } {
    if (!this.reads) {
      const conn = this.readConnection();
      this.reads = { conn, reader: sqliteReads(conn), queue: new SerialQueue() };
    }
    return this.reads;
  }

  /**
   * On the read connection, between reads. quick_check reads every page: 62 ms for a 12 MB
   * board of 10,000 tasks here, blocking this process meanwhile, so callers in a loop (the
   * monitor) skip it mostly.
   */
  inspect(options: { integrity?: boolean } = {}): Promise<StoreCheck[]> {
    const reads = this.openReads();
    return reads.queue.run(async () =>
      reads.conn.guard(() => inspectSqlite(reads.conn.db, this.location, options.integrity ?? true)),
    );
  }

  /** From the write connection, so this process's own writes do not restart the copy. */
  backup(file: string): Promise<void> {
    return this.writeQueue.run(() => backupSqlite(this.writes.db, file));
  }

  restore(file: string): Promise<void> {
    return this.writeQueue.run(async () => {
      // Lease tokens handed out since the backup stay spent (tokens come from the event seq,
      // which the restore winds back): meta's lease_token is the floor nextLeaseToken keeps.
      const floor = this.writes.get<{ v: number }>(
        `SELECT max(coalesce((SELECT max(seq) FROM events), 0), (SELECT value FROM meta WHERE key = 'lease_token')) AS v`,
      )?.v as number;
      // No read of this process runs while the pages are replaced; the read connection is
      // reopened in place (reads queued meanwhile find the new one), so it keeps no statement
      // or schema of the board it replaced.
      const reads = this.reads;
      if (reads && reads.conn !== this.writes) {
        await reads.queue.run(async () => {
          reads.conn.close();
          try {
            await restoreSqlite(file, this.location);
          } finally {
            reads.conn = this.readConnection();
            reads.reader = sqliteReads(reads.conn);
          }
        });
      } else {
        await restoreSqlite(file, this.location);
      }
      await this.lock.whenUnlocked(
        () => this.writes.run("UPDATE meta SET value = max(value, ?) WHERE key = 'lease_token'", floor),
        null,
      );
    });
  }

  async close(): Promise<void> {
    await this.writeQueue.run(async () => {
      const reads = this.reads;
      if (reads && reads.conn !== this.writes) await reads.queue.run(async () => reads.conn.close());
      this.writes.close();
      this.lock.close();
    });
  }
}

/** One read transaction on `conn`: a WAL snapshot, so it never waits for a writer. */
async function readOn<T>(conn: Connection, reader: StoreReader, fn: (tx: StoreReader) => Promise<T>): Promise<T> {
  const db = conn.db;
  conn.guard(() => db.exec("BEGIN DEFERRED"));
  try {
    return await fn(reader);
  } finally {
    if (db.inTransaction) db.exec("COMMIT");
  }
}

/** A connection that only reads (reads.ts); a write through it would be a bug. */

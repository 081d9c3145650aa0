/**
 * The JSON file store: seed 001's tasks.json guarded by tasks.lock, made safe (SPEC §4).
 * Every transaction — reads too, as seed 001 §5 asks of every agent — is:
 *   take tasks.lock (O_EXCL) → finish a crashed commit if one is pending → read tasks.json,
 *   the counters and the sidecar → run the board's function on them in memory → if anything
 *   changed, commit (commit.ts: temp file + rename, journaled in the sidecar) → drop the lock.
 * Holding the lock across the read and the write is what keeps a hand-following agent and
 * baton from losing each other's changes: each sees the other's last whole version.
 */
import { existsSync, linkSync, mkdirSync, unlinkSync } from "node:fs";
import { basename } from "node:path";
import { randomBytes } from "node:crypto";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { RAISE_LOCK_TIMEOUT } from "../../core/policy.js";
import { SerialQueue } from "../serial-queue.js";
import { readArchives } from "./archive-manifest.js";
import { readEvents } from "./audit-file.js";
import { writeFileDurably } from "./atomic-write.js";
import { BoardState } from "./board-state.js";
import { applyPending, commit, withoutPending } from "./commit.js";
import { removeLeftovers, removeOrphans } from "./temp-file-sweep.js";
import { parseBundle, raiseTokenFloor, readBundle, unpackBundle, writeBundle } from "./backup.js";
import { inspectJsonBoard, peekBoard } from "./inspection.js";
import { LockFile } from "./lock-file.js";
import { boardPaths } from "./paths.js";
import { isSystemError, refuseLinks, storeError } from "./regular-files.js";
import { EMPTY_META, metaText, readCounters } from "./sidecar-files.js";
import { restoreAdvice } from "./restore-advice.js";
import { SidecarJournal } from "./sidecar-journal.js";
import { TasksCodec } from "./tasks-file.js";
import { JsonWebhooks } from "./webhooks-file.js";
import { toIso } from "../../core/time.js";
import type { BrokenLock } from "./lock-file.js";
import type { BoardPaths } from "./paths.js";
import type { LoadedBoard } from "./board-state.js";
import type { TasksVersion } from "./tasks-file.js";
import type { CommitChanges } from "./commit.js";
import type { SidecarRead } from "./sidecar-journal.js";
import type { Store, StoreCheck, StoreOptions, StoreReader, StoreWriter, WebhookStore } from "../store.js";

export interface JsonStoreOptions extends StoreOptions {
  /**
   * A lock older than this whose process is gone (or, without a pid on this host, any lock
   * older than this) is broken. Default BATON_JSON_STALE_LOCK_MS, else 10 s. baton holds the
   * lock for milliseconds; a hand-following agent must finish its read-modify-write sooner.
   * (`lockTimeoutMs` defaults to BATON_JSON_LOCK_TIMEOUT_MS, else 30 s.)
   */
  staleLockMs?: number;
  /** Written into tasks.lock as agent_id. Default BATON_AGENT, else "baton-<pid>". */
  lockAgentId?: string;
}

const NO_TASKS = { entries: [], index: new Map<string, number>(), maxLeaseToken: 0 };
const DEFAULT_STALE_LOCK_MS = 10_000;
const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
/** Lock waits kept for the benchmark's p99. */
const LOCK_WAIT_SAMPLES = 100_000;

export async function openJsonStore(path: string, options: JsonStoreOptions = {}): Promise<Store> {
  const paths = boardPaths(path);
  if (!existsSync(paths.tasks)) {
    if (options.create === false) {
      throw new BatonError(ErrorCode.NOT_FOUND, `no board at ${paths.tasks}; run \`baton init\` to create one`, {
        location: paths.tasks,
      });
    }
    createEmptyBoard(paths, options.durability === "full");
  }
  return new JsonStore(paths, options);
}

/**
 * An empty tasks.json and sidecar snapshot, unless another process created them first (link
 * never overwrites).
 */
function createEmptyBoard(paths: BoardPaths, durable: boolean): void {
  try {
    mkdirSync(paths.dir, { recursive: true });
    createIfAbsent(paths.meta, paths.tasksTemp(`${process.pid}-init-${randomBytes(4).toString("hex")}`), metaText(EMPTY_META), durable);
    createIfAbsent(paths.tasks, paths.tasksTemp(`${process.pid}-init-${randomBytes(4).toString("hex")}`), "[]\n", durable);
  } catch (error) {
    throw new BatonError(ErrorCode.STORE_UNAVAILABLE, `cannot create the board ${paths.tasks}: ${(error as Error).message}`, {
      location: paths.tasks,
    });
  }
}

function createIfAbsent(path: string, temp: string, text: string, durable: boolean): void {
  writeFileDurably(temp, text, durable);
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** A positive number of milliseconds from the environment, for faces that pass no option. */
function msFromEnv(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

export class JsonStore implements Store {
  readonly kind = "json" as const;
  readonly location: string;
  /** Milliseconds each transaction waited for tasks.lock (latest LOCK_WAIT_SAMPLES). */
  readonly lockWaitsMs: number[] = [];
  private readonly queue = new SerialQueue();
  private readonly lock: LockFile;
  private readonly codec: TasksCodec;
  private readonly durable: boolean;
  private readonly journal: SidecarJournal;
  private readonly staleLockMs: number;
  readonly webhooks: WebhookStore;
  /** The sidecar as of the transaction under way (read under the lock, then after each commit). */
  private sidecar: SidecarRead | null = null;
  /** The id of the last commit this process finished (its own, or a crashed one it finished). */
  private lastApplied: string | null = null;
  /** The files of the board checked at every transaction never to be links. */
  private readonly boardFiles: readonly string[];
  /** Whether this process has removed dead writers' temp files yet (once, at its first lock). */
  private swept = false;

  constructor(
    private readonly paths: BoardPaths,
    options: JsonStoreOptions = {},
  ) {
    this.location = paths.tasks;
    this.boardFiles = [paths.tasks, paths.backup, paths.audit, paths.counters, paths.meta, paths.journal, paths.archives];
    this.durable = options.durability === "full";
    this.codec = new TasksCodec(paths.tasks, options.leaseSeconds === undefined ? undefined : options.leaseSeconds * 1000);
    this.journal = new SidecarJournal(paths, this.durable);
    this.staleLockMs = options.staleLockMs ?? msFromEnv("BATON_JSON_STALE_LOCK_MS") ?? DEFAULT_STALE_LOCK_MS;
    this.lock = new LockFile(paths.lock, paths.breaking, {
      timeoutMs: options.lockTimeoutMs ?? msFromEnv("BATON_JSON_LOCK_TIMEOUT_MS") ?? DEFAULT_LOCK_TIMEOUT_MS,
      staleMs: this.staleLockMs,
      raiseTimeout: RAISE_LOCK_TIMEOUT,
      agentId: options.lockAgentId ?? process.env.BATON_AGENT ?? `baton-${process.pid}`,
    });
    this.webhooks = new JsonWebhooks(paths.webhooks, this.durable, (fn) =>
      this.queue.run(() => this.underLock(async () => fn())),
    );
  }

  transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    return this.queue.run(() =>
      this.underLock(async (loaded) => {
        const state = new BoardState(loaded);
        const result = await fn(state.writer);
        if (state.hasChanges) this.commit(state);
        return result;
      }),
    );
  }

  read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      try {
        return await this.underLock((loaded) => fn(new BoardState(loaded).writer));
      } catch (error) {
        // Nobody can take tasks.lock here: the disk is full, the file system or the directory
        // read-only. Then nobody can commit either (a commit takes the lock), so the last whole
        // files are the board: read them as they are, as `peek` does.
        if (!this.lockUnwritable(error)) throw error;
        return peekBoard(this.paths, this.journal, fn);
      }
    });
  }

  /** A refusal to create or write tasks.lock itself for want of room or permission (lock-file.ts). */
  private lockUnwritable(error: unknown): boolean {
    return (
      error instanceof BatonError &&
      error.code === ErrorCode.STORE_UNAVAILABLE &&
      error.details.location === this.paths.lock &&
      ["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM"].includes(String(error.details.errno))
    );
  }

  async close(): Promise<void> {
    await this.queue.run(async () => undefined);
  }

  async inspect(): Promise<StoreCheck[]> {
    return inspectJsonBoard(this.paths, this.journal, this.staleLockMs);
  }

  peek<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return peekBoard(this.paths, this.journal, fn);
  }

  async backup(file: string): Promise<void> {
    await this.queue.run(() =>
      this.underLock(async (loaded) => {
        writeBundle(file, readBundle(this.paths, metaText(withoutPending(loaded.meta))), this.durable);
      }),
    );
  }

  async restore(file: string): Promise<void> {
    const bundle = parseBundle(file);
    await this.queue.run(() =>
      this.underLock(async (loaded) => {
        // Lease tokens handed out since the backup stay spent: an agent still holding one must
        // not find it valid again on a task the restored board leases anew.
        const floor = Math.max(loaded.meta.lease_token, loaded.maxLeaseToken);
        unpackBundle(raiseTokenFloor(bundle, basename(this.paths.meta), floor), this.paths, this.durable);
      }),
    );
  }

  private async underLock<T>(body: (loaded: LoadedBoard) => Promise<T>): Promise<T> {
    const { broken, waitedMs } = await this.lock.acquire();
    if (this.lockWaitsMs.length >= LOCK_WAIT_SAMPLES) this.lockWaitsMs.shift();
    this.lockWaitsMs.push(waitedMs);
    try {
      // Before anything is read or written: no board file may be a link (regular-files.ts).
      refuseLinks(this.boardFiles);
      this.sidecar = this.journal.read();
      let counters = readCounters(this.paths.counters);
      const pending = this.sidecar.meta.pending;
      // A commit this process finished is done; any other may have been cut short by a crash.
      if (pending && pending.id !== this.lastApplied) {
        const applied = applyPending(this.paths, pending, this.durable, { countersText: counters.text });
        // Dropped (tasks.json was rewritten meanwhile): forget it, or the next holder — finding
        // the temp file gone — would take it for done and append its audit lines.
        if (!applied) this.sidecar = this.journal.append(withoutPending(this.sidecar.meta), this.sidecar);
        this.lastApplied = pending.id;
        if (pending.counters !== null) counters = readCounters(this.paths.counters);
      }
      if (broken.length > 0) {
        this.recordBrokenLocks(broken, { ...NO_TASKS, meta: this.sidecar.meta, counters, readEvents: () => [], readArchives: () => [] });
        removeLeftovers(this.paths, broken.flatMap((b) => b.deadPids));
      }
      this.lock.breaksLogged();
      if (!this.swept) {
        // Temp files of writers that died without a lock left behind (or failed before this
        // version cleaned up after itself): their pids name them.
        removeOrphans(this.paths);
        this.swept = true;
      }
      const tasks = this.readTasks();
      return await body({ ...tasks, meta: this.sidecar.meta, counters, readEvents: () => readEvents(this.paths.audit), readArchives: () => readArchives(this.paths.archives) });
    } catch (error) {
      // A failed read or write of a board file is a store error naming the file, not a bug.
      throw isSystemError(error) ? storeError(this.paths.tasks, error, "read") : error;
    } finally {
      this.lock.release();
    }
  }

  /**
   * Read every time, even when this process wrote the last version: a hand-following agent
   * may have overwritten it in place, and inode, size and mtime (which ticks only every few
   * ms) cannot prove it did not. The codec makes an unchanged file cheap to parse.
   */
  private readTasks(): TasksVersion {
    let tasks: TasksVersion | null;
    try {
      tasks = this.codec.read();
    } catch (error) {
      if (error instanceof BatonError) throw error;
      throw new BatonError(ErrorCode.STORE_UNAVAILABLE, `cannot read ${this.paths.tasks}: ${(error as Error).message}`, {
        location: this.paths.tasks,
      });
    }
    if (tasks === null) {
      throw new BatonError(
        ErrorCode.CORRUPT_STORE,
        `${this.paths.tasks} has disappeared; ${restoreAdvice(this.paths.tasks, this.paths.backup, true)}`,
        { location: this.paths.tasks },
      );
    }
    return tasks;
  }

  private commit(state: BoardState): void {
    const changes = state.changes();
    const tasks = changes.tasks && this.codec.serialize(changes.tasks);
    this.commitChanges({ ...changes, tasks: tasks?.bytes ?? null, tasksRead: this.codec.identityRead });
    if (tasks) this.codec.adopt(tasks);
  }

  private commitChanges(changes: CommitChanges): void {
    const done = commit(this.paths, this.journal, this.sidecar as SidecarRead, changes, this.durable);
    this.sidecar = done.sidecar;
    // Unfinished (a rename or the audit append failed after the commit point): the next
    // transaction finishes it, so it stays pending — and the journal is not compacted.
    if (!done.finished) return;
    this.lastApplied = done.pending.id;
    this.sidecar = this.journal.compactIfLarge(done.sidecar);
  }

  /** Each stale lock this process broke is a LOCK_BROKEN event, committed before anything else. */
  private recordBrokenLocks(broken: readonly BrokenLock[], loaded: LoadedBoard): void {
    const state = new BoardState(loaded);
    // A dead breaker's break may have been logged just before it died (it dies between its
    // commit and removing `.breaking`): log an adopted break only if it is not there yet.
    const logged = broken.some((b) => b.brokenBy !== undefined)
      ? new Set(readEvents(this.paths.audit).filter((e) => e.type === "LOCK_BROKEN").map((e) => e.data.lock))
      : new Set<unknown>();
    for (const lock of broken) {
      if (logged.has(lock.content)) continue;
      const record = lock.judgement.record;
      state.appendEvent({
        at: toIso(Date.parse(lock.brokenAt)),
        type: "LOCK_BROKEN",
        taskId: null,
        agentId: record?.agent_id ?? null,
        from: null,
        to: null,
        details:
          `broke the stale lock ${this.paths.lock} held by ${lock.judgement.holder}: ${lock.judgement.reason}` +
          (lock.brokenBy ? ` (broken by ${lock.brokenBy}, which died before logging it)` : ""),
        data: { lock: lock.content, since: lock.judgement.since, ageMs: Math.round(lock.judgement.ageMs) },
      });
    }
    if (state.hasChanges) this.commitChanges({ ...state.changes(), tasks: null });
  }
}

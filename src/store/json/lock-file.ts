/**
 * seed 001's `tasks.lock`, made safe. Taking the lock is `open(O_CREAT|O_EXCL)` ("wx"), which
 * exactly one process wins; waiters back off exponentially with full jitter. A stale lock is
 * broken without delete-then-create (which gives two holders: proper-lockfile #121):
 *   1. take `tasks.lock.breaking` with O_EXCL, so breakers take turns;
 *   2. re-read and re-judge the lock; rename it to a unique name;
 *   3. check the renamed file is the very lock judged (same content); if not, link it back;
 *   4. then compete for the lock with O_EXCL like everyone else.
 * A holder never loses its lock to a breaker unless it is judged stale (its pid gone).
 * `.breaking` also records the breaks not yet logged: it stays until the breaker has
 * committed its LOCK_BROKEN events, and a `.breaking` left by a dead breaker is adopted — its
 * breaks logged — by the next lock holder, so a break is logged even if its breaker dies.
 * The lock is never read through a link nor as anything but a regular file, and at most
 * LOCK_READ_CAP bytes of it (regular-files.ts): a lock planted as /dev/zero or a FIFO is
 * refused at once instead of exhausting memory or blocking forever.
 */
import { hostname } from "node:os";
import { closeSync, existsSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { removeQuietly, writeFileDurably } from "./atomic-write.js";
import { OpenMode, readWithTime, storeError } from "./regular-files.js";
import { isProcessAlive, judgeLock, parseLockRecord } from "./lock-record.js";
import type { LockJudgement, LockRecord } from "./lock-record.js";

export interface LockOptions {
  timeoutMs: number;
  /** How the LOCK_TIMEOUT message says to wait longer (the board's setting); default: no hint. */
  raiseTimeout?: string;
  staleMs: number;
  agentId: string;
}

export interface BrokenLock {
  /** The broken lock's content, verbatim. */
  content: string;
  judgement: LockJudgement;
  brokenAt: string;
  /** Set when the breaker died before logging its break and this process logs it instead. */
  brokenBy?: string;
  /** Pids on this host known dead: the lock's holder, and a breaker that died. */
  deadPids: number[];
}

/** What `.breaking` holds: who is breaking, and the locks it has moved aside but not yet logged. */
interface BreakIntent extends LockRecord {
  broken: string[];
}

/** A breaker holds `.breaking` for milliseconds; one older than this was left by a crash. */
const BREAKING_STALE_MS = 5_000;
/** First backoff ceiling, doubled per attempt up to the cap (full jitter below both). */
const BACKOFF_BASE_MS = 1;
const BACKOFF_CAP_MS = 25;
/** A lock record is ~120 bytes; anything past this is garbage and is not read. */
const LOCK_READ_CAP = 4096;

export class LockFile {
  private held: string | null = null;
  private readonly host = hostname();
  /** Locks this process broke and has not logged yet; `.breaking` stays ours until they are. */
  private unlogged: string[] = [];
  private holdsBreaking = false;
  /** Breaks by dead breakers, found while taking `.breaking`, to log with ours. */
  private adopted: BrokenLock[] = [];
  /**
   * Our own lock that release() could not remove (the directory was made read-only under us).
   * Its pid is alive, so nobody would ever judge it stale: we remove it before taking the lock
   * again — no one else can have written exactly this record.
   */
  private leftover: string | null = null;

  constructor(
    readonly path: string,
    private readonly breakingPath: string,
    private readonly options: LockOptions,
  ) {}

  private get breakingStaleMs(): number {
    return Math.min(BREAKING_STALE_MS, this.options.staleMs);
  }

  /**
   * Waits for the lock. Returns the stale locks broken on the way (by this call, or by a
   * breaker that died before logging its break): the caller logs them as LOCK_BROKEN and then
   * calls `breaksLogged()`.
   */
  async acquire(): Promise<{ broken: BrokenLock[]; waitedMs: number }> {
    try {
      return await this.waitForLock();
    } catch (error) {
      // Failed (disk full, a refused lock file): let other breakers in, unless `.breaking`
      // lists breaks still to log — then it must stay for the next holder to adopt.
      if (this.holdsBreaking && this.unlogged.length === 0) this.breaksLogged();
      throw error;
    }
  }

  private async waitForLock(): Promise<{ broken: BrokenLock[]; waitedMs: number }> {
    const started = performance.now();
    const broken: BrokenLock[] = [];
    let lastSeen: LockJudgement | null = null;
    this.removeLeftover();
    for (let attempt = 0; ; attempt++) {
      const content = this.record();
      if (this.tryCreate(this.path, content)) {
        this.held = content;
        if (!this.holdsBreaking) this.adoptOrphanBreaks();
        broken.push(...this.adopted.splice(0));
        return { broken, waitedMs: performance.now() - started };
      }
      const seen = this.inspect(this.path);
      if (seen) {
        lastSeen = seen.judgement;
        if (seen.judgement.stale) {
          const done = this.breakStale(seen.content);
          if (done) {
            broken.push(done);
            continue;
          }
        }
      }
      const waited = performance.now() - started;
      if (waited >= this.options.timeoutMs) throw this.timeout(waited, lastSeen);
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 10));
      await sleep(Math.random() * ceiling);
    }
  }

  /** The LOCK_BROKEN events are committed: let other breakers in. */
  breaksLogged(): void {
    if (!this.holdsBreaking) return;
    this.unlogged = [];
    this.holdsBreaking = false;
    removeQuietly(this.breakingPath);
  }

  /** Removes the lock if it is still ours (a breaker may have judged us dead). */
  release(): void {
    const mine = this.held;
    this.held = null;
    if (mine === null) return;
    if (readWithTime(this.path, LOCK_READ_CAP)?.text !== mine) return;
    try {
      unlinkSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.leftover = mine;
    }
  }

  /** Removes our leftover lock; still unremovable, it is the caller's clear STORE_UNAVAILABLE (not a wait for ourselves). */
  private removeLeftover(): void {
    if (this.leftover === null) return;
    if (readWithTime(this.path, LOCK_READ_CAP)?.text === this.leftover) {
      try {
        unlinkSync(this.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw unavailable(this.path, error);
      }
    }
    this.leftover = null;
  }

  private record(): string {
    const record: LockRecord = {
      agent_id: this.options.agentId,
      timestamp: new Date().toISOString(),
      pid: process.pid,
      host: this.host,
    };
    return JSON.stringify(record);
  }

  /** O_EXCL: exactly one process creates it (and never through a link: O_EXCL does not follow). */
  private tryCreate(path: string, content: string): boolean {
    let fd: number;
    try {
      fd = openSync(path, OpenMode.createNew, 0o666);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw unavailable(path, error);
    }
    try {
      writeSync(fd, content);
    } catch (error) {
      // An empty lock (ENOSPC after the create) would make every writer wait for the stale
      // threshold: it is ours, and nobody has judged it yet, so remove it.
      closeSync(fd);
      removeQuietly(path);
      throw unavailable(path, error);
    }
    closeSync(fd);
    return true;
  }

  /** The file's content and judgement; null when it vanished meanwhile. */
  private inspect(path: string, staleMs = this.options.staleMs): { content: string; judgement: LockJudgement } | null {
    const read = readWithTime(path, LOCK_READ_CAP);
    if (read === null) return null;
    const judgement = judgeLock({
      content: read.text,
      mtimeMs: read.mtimeMs,
      nowMs: Date.now(),
      staleMs,
      hostname: this.host,
      isAlive: isProcessAlive,
    });
    return { content: read.text, judgement };
  }

  private breakStale(judgedContent: string): BrokenLock | null {
    if (!this.holdsBreaking && !this.takeBreaking()) return null;
    const now = this.inspect(this.path);
    if (!now || now.content !== judgedContent || !now.judgement.stale) {
      if (this.unlogged.length === 0) this.breaksLogged();
      return null;
    }
    // The intent is on disk before the lock moves: if this process dies from here on, the next
    // holder finds `.breaking` left by a dead pid and logs the break for it.
    this.writeIntent([...this.unlogged, judgedContent]);
    if (!this.moveAside(this.path, judgedContent)) {
      this.writeIntent(this.unlogged);
      if (this.unlogged.length === 0) this.breaksLogged();
      return null;
    }
    this.unlogged.push(judgedContent);
    return {
      content: judgedContent,
      judgement: now.judgement,
      brokenAt: new Date().toISOString(),
      deadPids: this.deadPidOf(now.judgement.record),
    };
  }

  private writeIntent(broken: string[]): void {
    const intent: BreakIntent = { ...(JSON.parse(this.record()) as LockRecord), broken };
    const temp = `${this.breakingPath}.${process.pid}.tmp`;
    writeFileDurably(temp, JSON.stringify(intent), false); // removed again if the write fails
    try {
      renameSync(temp, this.breakingPath);
    } catch (error) {
      removeQuietly(temp);
      throw unavailable(this.breakingPath, error);
    }
  }

  /** Renames `path` to a unique name; true if what moved is the expected content. */
  private moveAside(path: string, expected: string): boolean {
    const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw unavailable(path, error);
    }
    const moved = readWithTime(aside, LOCK_READ_CAP)?.text;
    if (moved !== expected) {
      // Not the file we judged (its owner released it and someone re-took it meanwhile): put
      // it back. link fails only if yet another process has taken the lock since; then the
      // one we moved had been released already by the time we judged, so nothing is lost.
      try {
        linkSync(aside, path);
      } catch {
        // see above
      }
      unlinkSync(aside);
      return false;
    }
    unlinkSync(aside);
    return true;
  }

  private takeBreaking(): boolean {
    if (this.tryCreate(this.breakingPath, JSON.stringify({ ...(JSON.parse(this.record()) as LockRecord), broken: [] }))) {
      this.holdsBreaking = true;
      return true;
    }
    const seen = this.inspect(this.breakingPath, this.breakingStaleMs);
    if (!seen?.judgement.stale) return false;
    const current = this.inspect(this.path)?.content;
    const orphans = this.orphanBreaks(seen).filter((b) => b.content !== current);
    if (!this.moveAside(this.breakingPath, seen.content)) return false;
    if (!this.takeBreaking()) {
      // Someone else took `.breaking` in between; the orphans' breaks are ours to log now.
      this.adopted.push(...orphans);
      return false;
    }
    this.adopt(orphans);
    return true;
  }

  /**
   * Holding the lock: a `.breaking` left by a dead breaker holds breaks nobody logged. We take
   * it over by replacing it with our own intent listing them (nobody else touches `.breaking`
   * while the lock is fresh), so they stay on disk until logged even if we die too.
   */
  private adoptOrphanBreaks(): void {
    if (!existsSync(this.breakingPath)) return;
    const seen = this.inspect(this.breakingPath, this.breakingStaleMs);
    if (!seen?.judgement.stale) return;
    this.holdsBreaking = true;
    this.adopt(this.orphanBreaks(seen));
  }

  /** Makes a dead breaker's unlogged breaks ours: in our intent on disk, and to be logged. */
  private adopt(orphans: BrokenLock[]): void {
    this.unlogged.push(...orphans.map((o) => o.content));
    this.writeIntent(this.unlogged);
    this.adopted.push(...orphans);
  }

  private orphanBreaks(seen: { content: string; judgement: LockJudgement }): BrokenLock[] {
    let broken: unknown;
    try {
      broken = (JSON.parse(seen.content) as Partial<BreakIntent>).broken;
    } catch {
      return [];
    }
    if (!Array.isArray(broken)) return [];
    const brokenBy = seen.judgement.holder;
    const breakerPids = this.deadPidOf(seen.judgement.record);
    return broken
      .filter((c): c is string => typeof c === "string")
      .map((content) => ({
        content,
        judgement: judgeLock({
          content,
          mtimeMs: 0,
          nowMs: Date.now(),
          staleMs: 0,
          hostname: this.host,
          isAlive: isProcessAlive,
        }),
        brokenAt: new Date().toISOString(),
        brokenBy,
        deadPids: [...breakerPids, ...this.deadPidOf(parseLockRecord(content))],
      }));
  }

  /** The record's pid if it is on this host and gone (never another host's pid). */
  private deadPidOf(record: Partial<LockRecord> | null): number[] {
    const pid = record?.pid;
    return pid !== undefined && record?.host === this.host && !isProcessAlive(pid) ? [pid] : [];
  }

  private timeout(waitedMs: number, holder: LockJudgement | null): BatonError {
    const who = holder
      ? `it is held by ${holder.holder}; it is not stale because ${holder.reason}`
      : "it was taken and released by other processes the whole time";
    return new BatonError(
      ErrorCode.LOCK_TIMEOUT,
      `timed out after ${Math.round(waitedMs)} ms waiting for the lock ${this.path}: ${who}. ` +
        `Retry${this.options.raiseTimeout ? `, ${this.options.raiseTimeout}` : ""}, or — if no agent is really working — remove the lock file by hand`,
      {
        lock: this.path,
        waitedMs: Math.round(waitedMs),
        ...(holder && { holder: holder.record, since: holder.since }),
      },
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function unavailable(path: string, error: unknown): BatonError {
  return storeError(path, error, "write");
}

/**
 * This process's side of SQLite's write lock: BEGIN IMMEDIATE in this process's turn
 * (turn.ts), waiting while another process holds the lock (busy.ts, on the board's doorbell,
 * doorbell.ts), and handing the lock on when a transaction ends. The store (sqlite-store.ts)
 * runs every write through one WriteLock on its write connection.
 */
import { BatonError, ErrorCode } from "../../core/errors.js";
import { RAISE_LOCK_TIMEOUT } from "../../core/policy.js";
import { retryWhileBusy, retryWhileBusyAsync } from "./busy.js";
import type { BusyPolicy } from "./busy.js";
import { Doorbell } from "./doorbell.js";
import { WriteTurn } from "./turn.js";
import type { LockWait, StoreOptions } from "../store.js";
import type { Connection } from "./connection.js";
import type { LockHandOver } from "./turn.js";

export class WriteLock {
  private readonly location: string;
  private readonly lockTimeoutMs: number;
  private readonly lockWait: LockWait;
  private readonly lockHandOver: LockHandOver;
  /** Opened by the first write transaction; null where the board cannot have one. */
  private doorbell: Doorbell | null | undefined;
  /** This process's turn at the write lock (turn.ts); made with the doorbell. */
  private turn = new WriteTurn(null, "ring");

  /** `writes`: the store's write connection, opened by its first use. */
  constructor(
    private readonly writes: Connection,
    options: StoreOptions = {},
  ) {
    this.location = writes.location;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.lockWait = options.lockWait ?? "async";
    this.lockHandOver = options.lockHandOver ?? "turns";
  }

  private lockTimedOut = (waited: number): never => {
    throw new BatonError(
      ErrorCode.LOCK_TIMEOUT,
      `the board ${this.location} stayed locked by other writers for ${Math.round(waited)} ms ` +
        `(lockTimeoutSeconds is ${this.lockTimeoutMs / 1000}); retry, or ${RAISE_LOCK_TIMEOUT}`,
      { location: this.location, waitedMs: Math.round(waited), lockTimeoutSeconds: this.lockTimeoutMs / 1000 },
    );
  };

  /** Runs `fn` until the lock is free, blocking the thread (busy.ts); for opening the board. */
  retry<T>(fn: () => T, doorbell: Doorbell | null = null): T {
    return retryWhileBusy(fn, { timeoutMs: this.lockTimeoutMs, doorbell }, this.lockTimedOut);
  }

  /** Runs `fn` until the write lock is free, waiting as `lockWait` says (see busy.ts). */
  async whenUnlocked(
    fn: () => void,
    doorbell: Doorbell | null,
    turn: Pick<BusyPolicy, "queueFirst" | "handOnMark" | "onAcquired"> = {},
  ): Promise<void> {
    const attempt = (): void => this.writes.guard(fn);
    const policy: BusyPolicy = {
      timeoutMs: this.lockTimeoutMs,
      doorbell,
      ordered: this.lockHandOver === "turns",
      commitMark: this.dataVersion,
      ...turn,
    };
    if (this.lockWait === "blocking") retryWhileBusy(attempt, policy, this.lockTimedOut);
    else await retryWhileBusyAsync(attempt, policy, this.lockTimedOut);
  }

  /**
   * Changes whenever another connection committed (SQLite's data_version: a read of the
   * WAL-index header, a few microseconds): how a process that handed its turn on sees that
   * the waiter it woke has taken the lock (busy.ts).
   */
  private dataVersion = (): number => this.writes.get<{ data_version: number }>("PRAGMA data_version")?.data_version ?? 0;

  /** BEGIN IMMEDIATE, in this process's turn (turn.ts). */
  async begin(): Promise<void> {
    if (this.doorbell === undefined) {
      this.doorbell =
        this.location === ":memory:" ? null : Doorbell.open(this.location, { watchProgress: this.lockHandOver === "turns" });
      this.turn = new WriteTurn(this.doorbell, this.lockHandOver, undefined, this.dataVersion);
    }
    const db = this.writes.db;
    const turn = this.turn;
    await this.whenUnlocked(() => db.exec("BEGIN IMMEDIATE"), this.doorbell, {
      queueFirst: turn.queueFirst,
      ...(turn.handedOnAtMark !== undefined && { handOnMark: turn.handedOnAtMark }),
      onAcquired: (waited) => turn.began(waited),
    });
  }

  /** The transaction ended (COMMIT or ROLLBACK): hand the lock on now or at the end of this turn (turn.ts). */
  ended(): void {
    this.turn.ended();
  }

  /** After the write connection closed: a turn still held is handed on, the doorbell closed. */
  close(): void {
    this.turn.close();
    this.doorbell?.close();
  }
}

/**
 * Turns at the write lock between processes. SQLite's lock has no queue: after a COMMIT the
 * releasing process, still on its core, takes the lock straight back, while the waiter its
 * ring woke (doorbell.ts) is still being scheduled; the waiter finds the lock busy and queues
 * again at the back. At 64 processes on 2 cores that starved some processes for a whole
 * window (fairness 0.00) and every failed wake cost a context switch (551 cycles/s vs 2,250
 * for one process, same run; docs/guarantees.md, "Many processes on one SQLite board").
 *
 * With hand-over "turns" a process keeps the lock for a turn of TURN_MS (a time quantum): its
 * writes follow one another without a ring, as fast as one process alone, each still its own
 * BEGIN IMMEDIATE … COMMIT. When the turn is over and someone waits (Doorbell.someoneWaiting:
 * a waiter marks the `-waiting` file before its last try, busy.ts) it rings once, and its next
 * write first lets the woken waiter in: it waits for another connection's commit, then queues
 * on the doorbell behind the others without a try, so the kernel's oldest-first wake-up order
 * is the order of the turns. A turn taken after a wait is a new turn (the lock was elsewhere
 * in between). A process that stops writing before its turn ends hands on as soon as its
 * event loop comes round (setImmediate), so an idle or one-shot process never keeps others
 * waiting; with nobody waiting nothing rings, since a byte nobody waits for would later wake
 * a waiter out of its order. The turn is only an order: a lost or extra ring costs time,
 * never correctness; a holder killed during its turn is passed over by the waiters' watchdog
 * once the board shows no commit for a PROGRESS_WATCH_MS period (doorbell.ts), and a woken
 * waiter that died is passed over by the releaser after LET_IN_MS (busy.ts).
 *
 * Hand-over "turns" is the default. It won at 4-64 processes writing back to back in every
 * run of the bench since the third round (docs/guarantees.md, "A fourth round" and "A fifth
 * round"). Agents that pause between writes (claim, work, complete) lost to "ring" 8-10x until
 * a process that handed on stopped waiting, at its next write, for a waiter that had been in
 * already (busy.ts); now they are as fast with either (0.97-1.25x "ring" at 4-64 processes
 * pausing 10 ms). "ring" (ring after every write, then barge back in) stays an option, and
 * the bench measures both in one run.
 */
import type { Doorbell } from "./doorbell.js";

/** What a turn needs of the doorbell (doorbell.ts); a test gives its own. */
export type TurnBell = Pick<Doorbell, "ring" | "someoneWaiting">;

export type LockHandOver = "turns" | "ring";

/**
 * How long a process keeps the lock before it hands it on, when others wait. A hand-over
 * costs the next waiter's wake-up (tens of microseconds on an idle machine, several
 * milliseconds on an overloaded one), so the turn must be long against it; a round of 64
 * processes is then 64 turns (640 ms). 2 and 10 ms were measured (docs/guarantees.md,
 * "Many processes on one SQLite board"); neither was clearly better on the loaded machine.
 */
export const TURN_MS = 10;

/** One turn as the bench's trace saw it (wall-clock ms, comparable across processes). */
export interface TurnRecord {
  /** Its first BEGIN IMMEDIATE succeeded. */
  startedAt: number;
  /** It rang for the next one (or, with nobody waiting, gave the turn up). */
  endedAt: number;
  /** Transactions in the turn. */
  writes: number;
  /** The lock was taken after a wait (false: at the first try). */
  waited: boolean;
  /** The wait before it: when the last doorbell wait returned (0: none). */
  wokeAt: number;
  /** Its first transaction ended (COMMIT or ROLLBACK). */
  firstEndedAt: number;
  /** This process's CPU time (user + system) during the turn, µs. */
  cpuMicros: number;
}

/**
 * Bench-only trace of this process's turns (bench/sqlite/cycle-worker.ts switches it on with
 * BENCH_SQLITE_TRACE); off, it costs one test of a flag per transaction.
 */
// longestWaitMs: this process's longest wait for the lock; busyAfterWait: times a woken waiter
// found the lock taken and queued again (busy.ts).
export const turnTrace = { on: false, turns: [] as TurnRecord[], wokeAt: 0, current: null as TurnRecord | null, watchTicks: 0, blockedCpuMicros: 0, longestWaitMs: 0, busyAfterWait: 0 };

const wallNow = (): number => performance.timeOrigin + performance.now();

function traceEnd(turn: TurnRecord, at: number): void {
  const cpu = process.cpuUsage();
  turn.endedAt = at;
  turn.cpuMicros = cpu.user + cpu.system - turn.cpuMicros;
  turnTrace.current = null;
}

export class WriteTurn {
  /** performance.now() when this process's turn began; null when it holds none. */
  private heldSince: number | null = null;
  /** The turn was handed on: the next BEGIN lets the woken waiter in first (busy.ts). */
  private handedOn = false;
  private writing = false;
  private releaseScheduled = false;
  private closed = false;

  /** commitMark() when the turn was handed on (busy.ts BusyPolicy.handOnMark). */
  private handOnMark: number | undefined;

  /** `commitMark`: changes when another connection commits (write-lock.ts dataVersion). */
  constructor(
    private readonly doorbell: TurnBell | null,
    private readonly handOver: LockHandOver,
    private readonly now: () => number = () => performance.now(),
    private readonly commitMark?: () => number,
  ) {}

  /** The next BEGIN should let the waiter this process rang take the lock first. */
  get queueFirst(): boolean {
    return this.handedOn;
  }

  /** The commit mark when this process handed its turn on, if it rang. */
  get handedOnAtMark(): number | undefined {
    return this.handedOn ? this.handOnMark : undefined;
  }

  /**
   * BEGIN IMMEDIATE succeeded; `waited`: after finding the lock busy, so another process had
   * it since this one's last write, and this is a new turn.
   */
  began(waited = false): void {
    this.writing = true;
    this.handedOn = false;
    if (this.heldSince === null || waited) {
      this.heldSince = this.now();
      if (turnTrace.on) this.traceStart(waited);
    }
    if (turnTrace.current) turnTrace.current.writes++;
  }

  /** The transaction ended (COMMIT or ROLLBACK): the write lock is free. */
  ended(): void {
    this.writing = false;
    if (turnTrace.current && turnTrace.current.firstEndedAt === 0) turnTrace.current.firstEndedAt = wallNow();
    if (!this.doorbell || this.closed) return;
    if (this.handOver === "ring") {
      this.handOn();
      return;
    }
    if (this.now() - (this.heldSince ?? 0) >= TURN_MS) {
      if (this.doorbell.someoneWaiting()) {
        this.handOn();
        return;
      }
      // Nobody waits: a new turn, without a ring, so a process alone runs as fast as ever.
      this.heldSince = this.now();
      if (turnTrace.on) this.traceStart(false);
    }
    if (this.releaseScheduled) return;
    this.releaseScheduled = true;
    setImmediate(() => {
      this.releaseScheduled = false;
      if (!this.writing && this.heldSince !== null && !this.closed) this.handOn();
    });
  }

  /** The store closes: hand on a turn still held, and never ring a closed doorbell. */
  close(): void {
    const held = this.heldSince !== null && !this.writing && !this.closed;
    this.closed = true;
    if (held) this.handOn();
  }

  private traceStart(waited: boolean): void {
    const at = wallNow();
    if (turnTrace.current) traceEnd(turnTrace.current, at);
    const cpu = process.cpuUsage();
    turnTrace.current = { startedAt: at, endedAt: at, writes: 0, waited, wokeAt: waited ? turnTrace.wokeAt : 0, firstEndedAt: 0, cpuMicros: cpu.user + cpu.system };
    turnTrace.turns.push(turnTrace.current);
  }

  /** Rings; when others wait, this process's next write lets the woken one in first. */
  private handOn(): void {
    this.heldSince = null;
    if (turnTrace.current) traceEnd(turnTrace.current, wallNow());
    if (this.handOver === "ring") {
      this.doorbell?.ring();
      return;
    }
    // Ring only for a waiter: a byte nobody waits for would later wake one out of its order.
    if (this.doorbell?.someoneWaiting()) {
      this.doorbell.ring();
      this.handedOn = true;
      // Closed, the connection is gone, and no later write needs the mark.
      this.handOnMark = this.closed ? undefined : this.commitMark?.();
    }
  }
}

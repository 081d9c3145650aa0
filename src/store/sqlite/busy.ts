/**
 * Waiting for SQLite's write lock. SQLite's own busy handler sleeps in coarse steps (1, 2, 5,
 * 10, 15, 20, 25, 25, 25, 50, 50, 100 ms), so under contention a waiter often sleeps long
 * after the lock came free and throughput collapses. We set busy_timeout to 0 and wait
 * ourselves: blocked on the board's doorbell (doorbell.ts) when it has one, so the releasing
 * process wakes the next waiter; else (and while the doorbell's watchdog starts) with
 * sub-millisecond jittered sleeps, growing to a few milliseconds.
 *
 * Two ways to wait, chosen by the store's `lockWait` option (store.ts):
 *  - retryWhileBusy blocks the thread (Atomics.wait, a blocking read on the doorbell): the
 *    one-shot CLI has nothing else to do while it waits;
 *  - retryWhileBusyAsync awaits instead (the doorbell read runs on libuv's thread pool, sleeps
 *    are timers), so a long-running process keeps answering, heartbeating and streaming while
 *    its write waits for the lock.
 *
 * With hand-over "turns" (turn.ts) the waiting is ordered: a waiter marks the board's
 * `-waiting` file before its last try and blocks on the doorbell, in the kernel's queue; a
 * ring wakes the oldest. A process that handed its turn on lets the woken one in first: it
 * waits for another connection's commit before it queues at the back, without a try. (Had
 * it read the pipe at once, it could take its own ring before the woken waiter ran, and the
 * waiter would go back to sleep at the tail of the kernel's queue.) If another connection
 * committed since the hand-on, as when the process paused between two writes (claim, work,
 * complete), the woken one has been in, and it tries at once: waiting there for yet another
 * commit left 4 processes pausing 10 ms waiting LET_IN_MS at nearly every completion, each
 * for the others' (~45 cycles each in 5 s against 360-460 with "ring"; docs/guarantees.md).
 * A woken waiter that finds the lock taken queues again at the back: polling for it instead
 * (tried for 100 ms, every 1 ms and backing off from 1 to 16 ms) cost more than it saved: 64
 * agents pausing 10 ms did 384 and 629 cycles/s with it, 866 without (docs/guarantees.md,
 * "A fifth round").
 */
import type { Doorbell } from "./doorbell.js";
import { turnTrace } from "./turn.js";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Sub-millisecond sleep; blocks this thread, which has nothing to do but wait anyway. */
function sleepMicros(micros: number): void {
  Atomics.wait(sleeper, 0, 0, micros / 1000);
}

/** Bench-only (turn.ts turnTrace): the CPU spent while blocked. */
function turnTraced(cpuBefore: NodeJS.CpuUsage): void {
  const cpu = process.cpuUsage(cpuBefore);
  turnTrace.blockedCpuMicros += cpu.user + cpu.system;
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

export interface BusyPolicy {
  timeoutMs: number;
  random?: () => number;
  /** Present when waiters can block until a release rings (see doorbell.ts). */
  doorbell?: Doorbell | null;
  /** Hand-over "turns": the ordered wait above. */
  ordered?: boolean;
  /** This process just handed its turn on (turn.ts): let the next one in before any try. */
  queueFirst?: boolean;
  /** Changes when another connection commits (PRAGMA data_version); for queueFirst. */
  commitMark?: () => number;
  /**
   * commitMark when this process handed its turn on (turn.ts). Another process committed
   * since: the woken waiter has been in already (this process paused between writes), so
   * there is nobody to let in, and the tries start at once.
   */
  handOnMark?: number;
  /** Told whether the lock was taken at the first try, or after a wait (turn.ts). */
  onAcquired?: (waited: boolean) => void;
}

/**
 * How long a process that handed its turn on waits for the next one's first commit. Only a
 * next one that died or gave up makes it wait this long; then it tries the lock itself.
 */
export const LET_IN_MS = 100;

/** How often a process letting the next one in looks for its commit. */
const LOOK_MS = 1;
const LOOK_MICROS = 250;

/**
 * This process's lock waits, counted for the bench (bench/sqlite/cycle-worker.ts): tries that
 * found the lock busy, blocking waits on the doorbell, the time spent waiting, and rings of
 * the waiters' watchdogs (doorbell.ts).
 */
export const lockWaitCounts = { acquired: 0, busyTries: 0, doorbellWaits: 0, waitedMs: 0, watchdogRings: 0 };

/** Where one acquisition stands; the same steps for both ways of waiting. */
class Acquisition {
  started = 0;
  /** Stale rings drained (ring) or the `-waiting` file marked (turns), then tried once more. */
  prepared = false;
  capMicros = 100;
  /** A doorbell wait returned, and no try has found the lock busy since. */
  private woken = false;

  constructor(
    readonly policy: BusyPolicy,
    private readonly onTimeout: (waitedMs: number) => never,
  ) {}

  done<T>(value: T): T {
    lockWaitCounts.acquired++;
    if (this.started !== 0) {
      const waited = performance.now() - this.started;
      lockWaitCounts.waitedMs += waited;
      if (turnTrace.on) turnTrace.longestWaitMs = Math.max(turnTrace.longestWaitMs, waited);
    }
    this.policy.onAcquired?.(this.started !== 0);
    return value;
  }

  /** The commit mark a let-in waits to see change (letInFirst). */
  private letInFrom = 0;

  /**
   * This process handed its turn on (queueFirst): should its write let the woken waiter in
   * first? Not when another connection committed since the hand-on: the woken one has been in
   * already, and the tries start at once. Otherwise the wait for its commit starts now.
   */
  letInFirst(): boolean {
    const mark = this.policy.commitMark;
    if (!this.policy.queueFirst || !mark) return false;
    const now = mark();
    if (this.policy.handOnMark !== undefined && now !== this.policy.handOnMark) return false;
    this.letInFrom = now;
    this.started = performance.now();
    return true;
  }

  /** During a let-in: the woken one has committed. */
  letInCommitted(): boolean {
    return (this.policy.commitMark?.() ?? this.letInFrom) !== this.letInFrom;
  }

  /** During a let-in: it committed, or LET_IN_MS passed without (it died or gave up). */
  letInOver(): boolean {
    return this.letInCommitted() || performance.now() - this.started >= LET_IN_MS;
  }

  /** A doorbell wait returned: this process was next (or a watchdog rang). */
  woke(): void {
    this.woken = true;
    if (turnTrace.on) turnTrace.wokeAt = performance.timeOrigin + performance.now();
  }

  /** After a busy try: what to do before the next one. */
  step(error: unknown): "retry" | "block" | "sleep" {
    if (!isBusy(error)) throw error;
    lockWaitCounts.busyTries++;
    if (this.started === 0) this.started = performance.now();
    const waited = performance.now() - this.started;
    if (waited >= this.policy.timeoutMs) this.onTimeout(waited);
    const doorbell = this.policy.doorbell;
    if (!doorbell) return "sleep";
    if (!this.prepared) {
      // "ring": stale rings would wake us for nothing; after draining, one more try before
      // blocking, since a ring we drained may have been the release we are waiting for.
      // "turns": the mark comes before the last try, so a holder ending its turn after that
      // try sees it and rings (it rings only for a waiter, turn.ts); rings are never drained,
      // each is some holder's hand-over.
      if (this.policy.ordered) doorbell.markWaiting();
      else doorbell.drain();
      this.prepared = true;
      return "retry";
    }
    // Woken, and the lock went to someone else (the releaser saw no commit from this process
    // within LET_IN_MS, or a watchdog's ring woke another): queue again, at the back.
    if (this.woken && turnTrace.on && this.policy.ordered) turnTrace.busyAfterWait++;
    this.woken = false;
    return "block";
  }
}

/**
 * Runs `attempt` until it does not throw SQLITE_BUSY, waiting between tries; after
 * `timeoutMs` calls `onTimeout` (which throws LOCK_TIMEOUT).
 */
export function retryWhileBusy<T>(attempt: () => T, policy: BusyPolicy, onTimeout: (waitedMs: number) => never): T {
  const random = policy.random ?? Math.random;
  const doorbell = policy.doorbell;
  const a = new Acquisition(policy, onTimeout);
  if (doorbell && a.letInFirst()) {
    while (!a.letInOver()) sleepMicros(LOOK_MICROS);
    if (a.letInCommitted() && doorbell.ready) {
      // The next one has the lock: queue behind the others without a try (no barging).
      doorbell.markWaiting();
      a.prepared = true;
      lockWaitCounts.doorbellWaits++;
      doorbell.wait();
      a.woke();
    }
  }
  for (;;) {
    try {
      return a.done(attempt());
    } catch (error) {
      const step = a.step(error);
      if (step === "retry") continue;
      if (step === "block" && doorbell?.ready) {
        lockWaitCounts.doorbellWaits++;
        doorbell.wait();
        a.woke();
      } else {
        sleepMicros(a.capMicros / 2 + random() * a.capMicros);
        a.capMicros = Math.min(a.capMicros * 1.5, 4000);
      }
    }
  }
}

/**
 * retryWhileBusy without blocking the event loop: the same steps, but the wait on the
 * doorbell is a read on libuv's thread pool (doorbell.ts, waitAsync) and sleeps are timers
 * (1 ms at least: timers have no finer grain).
 */
export async function retryWhileBusyAsync<T>(
  attempt: () => T,
  policy: BusyPolicy,
  onTimeout: (waitedMs: number) => never,
): Promise<T> {
  const random = policy.random ?? Math.random;
  const doorbell = policy.doorbell;
  const a = new Acquisition(policy, onTimeout);
  let capMs = 1;
  if (doorbell && a.letInFirst()) {
    while (!a.letInOver()) await sleepMs(LOOK_MS);
    if (a.letInCommitted()) {
      doorbell.markWaiting();
      a.prepared = true;
      lockWaitCounts.doorbellWaits++;
      const cpu = turnTrace.on ? process.cpuUsage() : null;
      await doorbell.waitAsync();
      a.woke();
      if (cpu) turnTraced(cpu);
    }
  }
  for (;;) {
    try {
      return a.done(attempt());
    } catch (error) {
      const step = a.step(error);
      if (step === "retry") continue;
      if (step === "block" && doorbell) {
        lockWaitCounts.doorbellWaits++;
        const cpu = turnTrace.on ? process.cpuUsage() : null;
        await doorbell.waitAsync();
        a.woke();
        if (cpu) turnTraced(cpu);
      } else {
        await sleepMs(capMs / 2 + random() * capMs);
        capMs = Math.min(capMs * 1.5, 8);
      }
    }
  }
}

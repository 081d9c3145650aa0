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
 */
import type { Doorbell } from "./doorbell.js";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Sub-millisecond sleep; blocks this thread, which has nothing to do but wait anyway. */
function sleepMicros(micros: number): void {
  Atomics.wait(sleeper, 0, 0, micros / 1000);
}

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

export interface BusyPolicy {
  timeoutMs: number;
  random?: () => number;
  /** Present when waiters can block until a release rings (see doorbell.ts). */
  doorbell?: Doorbell | null;
  /** Wait for a ring before the first try: this process just ended its turn (turn.ts). */
  queueFirst?: boolean;
}

/**
 * This process's lock waits, counted for the bench (bench/sqlite/cycle-worker.ts): tries that
 * found the lock busy, blocking waits on the doorbell, and the time spent waiting.
 */
export const lockWaitCounts = { acquired: 0, busyTries: 0, doorbellWaits: 0, waitedMs: 0 };

function counted<T>(value: T, started: number): T {
  lockWaitCounts.acquired++;
  if (started !== 0) lockWaitCounts.waitedMs += performance.now() - started;
  return value;
}

/**
 * Runs `attempt` until it does not throw SQLITE_BUSY, waiting between tries; after
 * `timeoutMs` calls `onTimeout` (which throws LOCK_TIMEOUT).
 */
export function retryWhileBusy<T>(attempt: () => T, policy: BusyPolicy, onTimeout: (waitedMs: number) => never): T {
  const random = policy.random ?? Math.random;
  const doorbell = policy.doorbell;
  let started = 0;
  let capMicros = 100;
  let drained = false;
  if (policy.queueFirst && doorbell?.ready) {
    started = performance.now();
    lockWaitCounts.doorbellWaits++;
    doorbell.wait();
    drained = true;
  }
  for (;;) {
    try {
      return counted(attempt(), started);
    } catch (error) {
      if (!isBusy(error)) throw error;
      lockWaitCounts.busyTries++;
      if (started === 0) started = performance.now();
      const waited = performance.now() - started;
      if (waited >= policy.timeoutMs) onTimeout(waited);
      if (doorbell?.ready) {
        // Stale rings would wake us for nothing; after draining, one more try before blocking,
        // since a ring we drained may have been the release we are waiting for.
        if (!drained) {
          doorbell.drain();
          drained = true;
          continue;
        }
        lockWaitCounts.doorbellWaits++;
        doorbell.wait();
      } else {
        sleepMicros(capMicros / 2 + random() * capMicros);
        capMicros = Math.min(capMicros * 1.5, 4000);
      }
    }
  }
}

/**
 * retryWhileBusy without blocking the event loop: the same drain-then-retry rule, but the wait
 * on the doorbell is a read on libuv's thread pool (doorbell.ts, waitAsync) and the polling
 * fallback sleeps on timers (1 ms at least: timers have no finer grain).
 */
export async function retryWhileBusyAsync<T>(
  attempt: () => T,
  policy: BusyPolicy,
  onTimeout: (waitedMs: number) => never,
): Promise<T> {
  const random = policy.random ?? Math.random;
  const doorbell = policy.doorbell;
  let started = 0;
  let capMs = 1;
  let drained = false;
  if (policy.queueFirst && doorbell) {
    started = performance.now();
    lockWaitCounts.doorbellWaits++;
    await doorbell.waitAsync();
    drained = true;
  }
  for (;;) {
    try {
      return counted(attempt(), started);
    } catch (error) {
      if (!isBusy(error)) throw error;
      lockWaitCounts.busyTries++;
      if (started === 0) started = performance.now();
      const waited = performance.now() - started;
      if (waited >= policy.timeoutMs) onTimeout(waited);
      if (doorbell) {
        if (!drained) {
          doorbell.drain();
          drained = true;
          continue;
        }
        lockWaitCounts.doorbellWaits++;
        await doorbell.waitAsync();
      } else {
        await new Promise((resolve) => setTimeout(resolve, capMs / 2 + random() * capMs));
        capMs = Math.min(capMs * 1.5, 8);
      }
    }
  }
}

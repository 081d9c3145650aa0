/**
 * Waiting for SQLite's write lock. SQLite's own busy handler sleeps in coarse steps (1, 2, 5,
 * 10, 15, 20, 25, 25, 25, 50, 50, 100 ms), so under contention a waiter often sleeps long
 * after the lock came free and throughput collapses. We set busy_timeout to 0 and retry
 * ourselves: first sub-millisecond waits with jitter (a transaction here holds the lock for
 * well under a millisecond), then growing waits capped at a few milliseconds.
 */
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
}

/**
 * Runs `attempt` until it does not throw SQLITE_BUSY, waiting between tries; after
 * `timeoutMs` calls `onTimeout` (which throws LOCK_TIMEOUT).
 */
export function retryWhileBusy<T>(attempt: () => T, policy: BusyPolicy, onTimeout: (waitedMs: number) => never): T {
  const random = policy.random ?? Math.random;
  const started = performance.now();
  let capMicros = 100;
  for (;;) {
    try {
      return attempt();
    } catch (error) {
      if (!isBusy(error)) throw error;
      const waited = performance.now() - started;
      if (waited >= policy.timeoutMs) onTimeout(waited);
      sleepMicros(capMicros / 2 + random() * capMicros);
      capMicros = Math.min(capMicros * 1.5, 4000);
    }
  }
}

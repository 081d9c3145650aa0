/**
 * Messages between the sqlite bench section and its cycle workers (child_process IPC).
 * A worker opens the board, says `ready`, waits for `go` (the barrier: every process starts at
 * the same wall-clock instant), loops claim → complete, and reports what it measured.
 */
export interface GoMessage {
  type: "go";
  /** Date.now() at which every worker starts claiming. */
  startAt: number;
  /** Cycles completed before startAt + warmupMs are not counted (JIT warm-up, cold cache). */
  warmupMs: number;
  windowMs: number;
  /** Each cycle waits this long between claim and complete (an agent at work), ms; 0: none. */
  pauseMs?: number;
}

export interface ReadyMessage {
  type: "ready";
}

export interface DoneMessage {
  type: "done";
  /** claim + complete cycles finished inside the measured window. */
  cycles: number;
  /** Milliseconds per claim, for claims started inside the measured window. */
  claimLatencies: number[];
  /** The board ran out of tasks before the window ended (the figure is then too low). */
  exhausted: boolean;
  /** Its own CPU time (user + system, process.cpuUsage) over the measured window, µs. */
  cpuMicros?: number;
  /** Its lock waits in the window (src/store/sqlite/busy.ts lockWaitCounts); SQLite workers only. */
  /** BENCH_SQLITE_TRACE=1: its turns begun in the window, [startedAt, endedAt, writes, wokeAt, firstEndedAt] (wall-clock ms; src/store/sqlite/turn.ts), cpuMicros. */
  /** BENCH_SQLITE_TRACE=1: ticks of its async waits' watchdog timers in the window (doorbell.ts). */
  watchTicks?: number;
  /** BENCH_SQLITE_TRACE=1: its CPU while blocked on the doorbell (async waits), µs. */
  blockedCpuMicros?: number;
  /** BENCH_SQLITE_TRACE=1: its longest wait for the lock ending in the window, ms; and busy tries after a wait. */
  longestWaitMs?: number;
  busyAfterWait?: number;
  turns?: [number, number, number, number, number, number][];
  waits?: { acquired: number; busyTries: number; doorbellWaits: number; waitedMs: number; watchdogRings: number };
}

export type ParentMessage = GoMessage;
export type WorkerMessage = ReadyMessage | DoneMessage;

/** From locked-waiter.ts: `ready` once its board is open, `done` once its write went through. */
export type WaiterMessage =
  | ReadyMessage
  | { type: "done"; p99Ms: number; maxMs: number; waitedMs: number };

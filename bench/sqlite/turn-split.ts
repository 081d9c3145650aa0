/**
 * Where a turn at the write lock spends its time (BENCH_SQLITE_TRACE=1, hand-over "turns"):
 * the workers' turns (src/store/sqlite/turn.ts turnTrace) merged in wall-clock order. Between
 * one turn's end (its ring) and the next one's first BEGIN the lock is idle: the hand-over
 * gap, split into ring → the woken waiter's doorbell wait returning, and that → its BEGIN.
 */
import type { DoneMessage } from "./protocol.js";

export interface TurnSplit {
  turns: number;
  writesPerTurnP50: number;
  writesPerTurnMean: number;
  turnMsP50: number;
  turnMsMean: number;
  /** Mean milliseconds per write inside turns (turn length ÷ writes). */
  msPerWriteInTurn: number;
  /** Mean ms of a turn's first transaction (BEGIN to its end), and per write after it. */
  firstWriteMsMean: number;
  msPerLaterWrite: number;
  gapMsP50: number;
  gapMsP90: number;
  gapMsMean: number;
  /** Of the gap: ring → the next holder's doorbell wait returned; then → its BEGIN. */
  ringToWokeMsMean: number;
  wokeToBeginMsMean: number;
  /** Share of the window inside turns, and in hand-over gaps. */
  inTurnsShare: number;
  inGapsShare: number;
  /** Consecutive turns by the same process (no hand-over between them). */
  sameHolder: number;
  /** CPU of the holders inside their turns per write, µs; and the processes' CPU outside turns per write. */
  cpuMicrosPerWriteInTurn: number;
  cpuMicrosPerWriteOutside: number;
  /** Async waiters' watchdog timer ticks per write (doorbell.ts waitAsync). */
  watchTicksPerWrite: number;
  /** Of the CPU outside turns: while blocked on the doorbell, per write, µs. */
  cpuMicrosPerWriteBlocked: number;
  /** The longest wait for the lock of any process, ms (LOCK_TIMEOUT comes at 30 s). */
  longestWaitMs: number;
  /** Tries that found the lock busy after a wait (the waiter queues again at the back), per turn. */
  busyAfterWaitPerTurn: number;
}

export function turnSplit(results: readonly DoneMessage[], windowMs: number): TurnSplit | undefined {
  const turns = results
    .flatMap((r, process) => (r.turns ?? []).map(([startedAt, endedAt, writes, wokeAt, firstEndedAt, cpuMicros]) => ({ process, startedAt, endedAt, writes, wokeAt, firstEndedAt, cpuMicros })))
    .sort((a, b) => a.startedAt - b.startedAt);
  if (turns.length === 0) return undefined;
  const gaps: number[] = [];
  const ringToWoke: number[] = [];
  const wokeToBegin: number[] = [];
  let sameHolder = 0;
  for (let i = 1; i < turns.length; i++) {
    const before = turns[i - 1] as (typeof turns)[number];
    const next = turns[i] as (typeof turns)[number];
    if (next.process === before.process) {
      sameHolder++;
      continue;
    }
    gaps.push(next.startedAt - before.endedAt);
    if (next.wokeAt >= before.endedAt) {
      ringToWoke.push(next.wokeAt - before.endedAt);
      wokeToBegin.push(next.startedAt - next.wokeAt);
    }
  }
  const lengths = turns.map((t) => t.endedAt - t.startedAt);
  const writes = turns.map((t) => t.writes);
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  const mean = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : sum(xs) / xs.length);
  return {
    turns: turns.length,
    writesPerTurnP50: percentile(writes, 0.5),
    writesPerTurnMean: mean(writes),
    turnMsP50: percentile(lengths, 0.5),
    turnMsMean: mean(lengths),
    msPerWriteInTurn: sum(lengths) / Math.max(1, sum(writes)),
    firstWriteMsMean: mean(turns.filter((t) => t.firstEndedAt > 0).map((t) => t.firstEndedAt - t.startedAt)),
    msPerLaterWrite:
      sum(turns.filter((t) => t.firstEndedAt > 0 && t.writes > 1).map((t) => t.endedAt - t.firstEndedAt)) /
      Math.max(1, sum(turns.filter((t) => t.firstEndedAt > 0 && t.writes > 1).map((t) => t.writes - 1))),
    gapMsP50: percentile(gaps, 0.5),
    gapMsP90: percentile(gaps, 0.9),
    gapMsMean: mean(gaps),
    ringToWokeMsMean: mean(ringToWoke),
    wokeToBeginMsMean: mean(wokeToBegin),
    inTurnsShare: sum(lengths) / windowMs,
    inGapsShare: sum(gaps.filter((g) => g > 0)) / windowMs,
    sameHolder,
    cpuMicrosPerWriteInTurn: sum(turns.map((t) => t.cpuMicros)) / Math.max(1, sum(writes)),
    cpuMicrosPerWriteOutside:
      (results.reduce((a, r) => a + (r.cpuMicros ?? 0), 0) - sum(turns.map((t) => t.cpuMicros))) / Math.max(1, sum(writes)),
    longestWaitMs: Math.max(0, ...results.map((r) => r.longestWaitMs ?? 0)),
    busyAfterWaitPerTurn: results.reduce((a, r) => a + (r.busyAfterWait ?? 0), 0) / turns.length,
    cpuMicrosPerWriteBlocked: results.reduce((a, r) => a + (r.blockedCpuMicros ?? 0), 0) / Math.max(1, sum(writes)),
    watchTicksPerWrite: results.reduce((a, r) => a + (r.watchTicks ?? 0), 0) / Math.max(1, sum(writes)),
  };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

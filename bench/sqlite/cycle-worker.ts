/**
 * One agent process of the contention bench: `node dist/bench/sqlite/cycle-worker.js URL AGENT
 * LOCK_WAIT HAND_OVER` (forked with IPC by bench/sections/sqlite.ts). Opens the board with openBoard, as
 * any agent would, and loops claim → complete until the measured window closes, pausing
 * between the two when the go message says so (an agent at work).
 */
import { isBatonError, openBoard } from "../../src/index.js";
import type { LockWait } from "../../src/index.js";
import { lockWaitCounts } from "../../src/store/sqlite/busy.js";
import { turnTrace } from "../../src/store/sqlite/turn.js";
import type { DoneMessage, ParentMessage, WorkerMessage } from "./protocol.js";

const [url, agent, lockWait = "async", lockHandOver = "ring"] = process.argv.slice(2);
if (
  !url ||
  !agent ||
  (lockWait !== "async" && lockWait !== "blocking") ||
  (lockHandOver !== "turns" && lockHandOver !== "ring" && lockHandOver !== "writer") ||
  !process.send
) {
  console.error("usage: forked by the bench with IPC: cycle-worker.js URL AGENT [async|blocking] [turns|ring|writer]");
  process.exit(2);
}

const send = (message: WorkerMessage): void => void process.send?.(message);
// BENCH_SQLITE_TRACE=1: record every turn at the lock (turn.ts) for the hand-over split.
turnTrace.on = process.env.BENCH_SQLITE_TRACE === "1";
// "writer": the hot writes go through the board's local writer (src/local-writer/client.ts);
// the lock, when a write goes to the board itself, is handed on as by default ("turns").
const board = await openBoard(url, {
  create: false,
  lockWait: lockWait as LockWait,
  lockHandOver: lockHandOver === "writer" ? "turns" : lockHandOver,
  localWriter: lockHandOver === "writer",
});

// A few cycles before the barrier: the first claim of a process compiles modules and prepares
// statements (~50 ms of CPU); 64 processes doing that inside the window measured startup.
for (let i = 0; i < 3; i++) {
  const warm = await board.claim({ agent });
  await board.complete(warm.task.id, { token: warm.leaseToken });
}
const goMessage = new Promise<ParentMessage>((resolve) => process.once("message", (m) => resolve(m as ParentMessage)));
send({ type: "ready" });
const go = await goMessage;
await new Promise((resolve) => setTimeout(resolve, Math.max(0, go.startAt - Date.now())));

const measureFrom = performance.now() + go.warmupMs;
const measureUntil = measureFrom + go.windowMs;
const claimLatencies: number[] = [];
let cycles = 0;
let exhausted = false;
let countsFrom: typeof lockWaitCounts | null = null;
let ticksFrom = 0;
let blockedFrom = 0;
let busyAfterWaitFrom = 0;
let cpuFrom: NodeJS.CpuUsage | null = null;
let cpuUntil: NodeJS.CpuUsage | null = null;
for (;;) {
  const started = performance.now();
  if (started >= measureUntil) {
    cpuUntil = process.cpuUsage(cpuFrom ?? undefined);
    break;
  }
  if (started >= measureFrom && !countsFrom) {
    countsFrom = { ...lockWaitCounts };
    ticksFrom = turnTrace.watchTicks;
    blockedFrom = turnTrace.blockedCpuMicros;
    busyAfterWaitFrom = turnTrace.busyAfterWait;
    turnTrace.longestWaitMs = 0;
    cpuFrom = process.cpuUsage();
  }
  let claimed;
  try {
    claimed = await board.claim({ agent });
  } catch (error) {
    if (isBatonError(error) && error.code === "NOTHING_READY") {
      exhausted = true;
      break;
    }
    throw error;
  }
  const claimedAt = performance.now();
  if (go.pauseMs) await new Promise((resolve) => setTimeout(resolve, go.pauseMs));
  await board.complete(claimed.task.id, { token: claimed.leaseToken });
  const finished = performance.now();
  if (started >= measureFrom) claimLatencies.push(claimedAt - started);
  if (finished >= measureFrom && finished < measureUntil) cycles++;
}
const from = countsFrom ?? lockWaitCounts;
const waits = {
  acquired: lockWaitCounts.acquired - from.acquired,
  busyTries: lockWaitCounts.busyTries - from.busyTries,
  doorbellWaits: lockWaitCounts.doorbellWaits - from.doorbellWaits,
  waitedMs: lockWaitCounts.waitedMs - from.waitedMs,
  watchdogRings: lockWaitCounts.watchdogRings - from.watchdogRings,
};
await board.close();
const wallFrom = performance.timeOrigin + measureFrom;
const wallUntil = performance.timeOrigin + measureUntil;
const turns = turnTrace.turns
  .filter((t) => t.startedAt >= wallFrom && t.startedAt < wallUntil)
  .map((t) => [t.startedAt, t.endedAt, t.writes, t.wokeAt, t.firstEndedAt, t.cpuMicros] as [number, number, number, number, number, number]);
const cpuMicros = cpuFrom && cpuUntil ? cpuUntil.user + cpuUntil.system : undefined;
const done: DoneMessage = { type: "done", cycles, claimLatencies, exhausted, waits, ...(turnTrace.on && { turns, watchTicks: turnTrace.watchTicks - ticksFrom, blockedCpuMicros: turnTrace.blockedCpuMicros - blockedFrom, longestWaitMs: turnTrace.longestWaitMs, busyAfterWait: turnTrace.busyAfterWait - busyAfterWaitFrom }), ...(cpuMicros !== undefined && { cpuMicros }) };
// Disconnect only once the message is handed to the channel: a large latency array sent and
// followed at once by disconnect() was lost on ≥ 2 s windows, and the parent waited forever.
process.send?.(done, undefined, {}, (error) => {
  if (error) {
    console.error(`${agent}: could not send its result: ${error.message}`);
    process.exitCode = 1;
  }
  process.disconnect();
});

/**
 * A process whose write waits on a locked board, measuring its own event-loop delay:
 * `node dist/bench/sqlite/locked-waiter.js URL LOCK_WAIT` (forked with IPC by measure.ts).
 * It opens the board, says `ready`; on `go` (the parent now holds the write lock) it starts
 * one add and, until it completes, measures how late a timer due every TICK_MS fires (what a
 * heartbeat or a server's timeout would see), then reports.
 */
import { openBoard } from "../../src/index.js";
import type { LockWait } from "../../src/index.js";
import type { WaiterMessage } from "./protocol.js";

const [url, lockWait] = process.argv.slice(2);
if (!url || (lockWait !== "async" && lockWait !== "blocking") || !process.send) {
  console.error("usage: forked by the bench with IPC: locked-waiter.js URL async|blocking");
  process.exit(2);
}

const board = await openBoard(url, { create: false, lockWait: lockWait as LockWait });
await board.add({ title: "warm-up" });
const go = new Promise<void>((resolve) => process.once("message", () => resolve()));
const send = (message: WaiterMessage): void => void process.send?.(message);
send({ type: "ready" });
await go;
const TICK_MS = 5;
const lateness: number[] = [];
let due = performance.now() + TICK_MS;
let ticking = true;
let lastTick: () => void = () => {};
const tick = (): void => {
  const now = performance.now();
  lateness.push(Math.max(0, now - due));
  due = now + TICK_MS;
  if (ticking) setTimeout(tick, TICK_MS);
  else lastTick();
};
setTimeout(tick, TICK_MS);
const started = performance.now();
await board.add({ title: "written once the lock frees" });
const waitedMs = performance.now() - started;
// One more tick: in "blocking" mode the timer that came due during the wait fires only now.
await new Promise<void>((resolve) => {
  ticking = false;
  lastTick = resolve;
});
await board.close();
lateness.sort((a, b) => a - b);
send({
  type: "done",
  p99Ms: lateness[Math.min(lateness.length - 1, Math.floor(0.99 * lateness.length))] ?? Number.NaN,
  maxMs: lateness[lateness.length - 1] ?? Number.NaN,
  waitedMs,
});
process.disconnect();

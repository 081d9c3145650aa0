/**
 * The monitor loop (seed 001's monitor, seed 002's orchestrator): every interval it runs its
 * duties — each a name and a `run(board, tick)` that returns the actions it took — and reports
 * each action once. The duties are a plain list (board/monitor-duties.ts), so a new one
 * (webhook delivery) is one more entry.
 *
 * Safe with several monitors on one board: every duty acts through board operations, each one
 * store transaction, so two monitors recovering the same lease serialise and the second finds
 * nothing to do. A stop (the signal) is honoured between ticks, never inside one, so a tick
 * never leaves a lock or half an action behind. Ticks run at a fixed rate (the next one is due
 * `intervalMs` after the previous one began), so a recovery is never more than two intervals
 * after the lease expired unless a tick itself takes longer than an interval.
 */
import type { Board } from "../board.js";

export interface MonitorAction {
  /** The duty that acted. */
  duty: string;
  /** What it did, in one word: recovered, poisoned, retried, agent_dead, lock_broken, problem, error. */
  action: string;
  taskId?: string;
  agentId?: string;
  detail: string;
}

export interface MonitorTick {
  /** 0 for the first tick. */
  index: number;
  /** When the tick began (ms since the epoch, from the monitor's clock). */
  startedAt: number;
}

export interface MonitorDuty {
  name: string;
  run(board: Board, tick: MonitorTick): Promise<MonitorAction[]>;
  /** Called once when the monitor stops: finish work a tick left under way, report what it did. */
  drain?(): Promise<MonitorAction[]>;
}

export interface MonitorOptions {
  board: Board;
  duties: readonly MonitorDuty[];
  intervalMs: number;
  /** Run one tick and return. */
  once?: boolean;
  /** Aborting it stops the loop after the tick under way. */
  signal?: AbortSignal;
  /** Called once per action, as soon as its duty returns. */
  onAction(action: MonitorAction, at: number): void;
  /** Default Date.now; tests inject theirs. */
  clock?: () => number;
  /** Default: a timer that the signal cancels. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs the duties until the signal aborts (or once), then drains them. Resolves with the number
 * of ticks run.
 */
export async function runMonitor(options: MonitorOptions): Promise<number> {
  const ticks = await runTicks(options);
  const clock = options.clock ?? Date.now;
  for (const duty of options.duties) {
    if (!duty.drain) continue;
    let actions: MonitorAction[];
    try {
      actions = await duty.drain();
    } catch (error) {
      actions = [{ duty: duty.name, action: "error", detail: error instanceof Error ? error.message : String(error) }];
    }
    for (const action of actions) options.onAction(action, clock());
  }
  return ticks;
}

async function runTicks(options: MonitorOptions): Promise<number> {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  let index = 0;
  for (;;) {
    if (options.signal?.aborted) return index;
    const startedAt = clock();
    const tick = { index, startedAt };
    for (const duty of options.duties) {
      let actions: MonitorAction[];
      try {
        actions = await duty.run(options.board, tick);
      } catch (error) {
        // A tick that fails (a lock timeout, a database outage) is reported and the loop goes on.
        actions = [{ duty: duty.name, action: "error", detail: error instanceof Error ? error.message : String(error) }];
      }
      for (const action of actions) options.onAction(action, clock());
    }
    index++;
    if (options.once) return index;
    const wait = Math.max(0, startedAt + options.intervalMs - clock());
    await sleep(wait, options.signal);
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * What `baton monitor` does each tick, in order. A duty is `{ name, run(board, tick) }`
 * returning the actions it took; add one by adding an entry to `monitorDuties`.
 */
import type { MonitorAction, MonitorDuty } from "./monitor.js";
import type { webhookMonitorDuty } from "../webhooks/monitor-duty.js";

export interface DutyOptions {
  /** Run the full integrity check every this many ticks (1: every tick). */
  integrityEvery: number;
}

/**
 * heal: expired leases, due retries and silent agents (board.heal), and stale JSON locks,
 * which the heal's own transaction breaks (and logs as LOCK_BROKEN) on its way in.
 */
export const healDuty: MonitorDuty = {
  name: "heal",
  async run(board) {
    const actions: MonitorAction[] = [];
    const staleLocks = (await board.store.inspect?.({ integrity: false }))?.filter((c) => c.name === "stale lock" && !c.ok) ?? [];
    const report = await board.heal();
    for (const lock of staleLocks) actions.push({ duty: "heal", action: "lock_broken", detail: lock.detail });
    for (const agentId of report.deadAgents) {
      actions.push({ duty: "heal", action: "agent_dead", agentId, detail: `${agentId} declared dead; its leases were recovered` });
    }
    for (const taskId of report.timedOut) {
      actions.push({ duty: "heal", action: "recovered", taskId, detail: `${taskId}: lease expired, pending again (an attempt counted)` });
    }
    for (const taskId of report.poisoned) {
      actions.push({ duty: "heal", action: "poisoned", taskId, detail: `${taskId}: lease expired on its last attempt; dead (poison pill)` });
    }
    for (const taskId of report.retried) {
      actions.push({ duty: "heal", action: "retried", taskId, detail: `${taskId}: retry due, pending again` });
    }
    return actions;
  },
};

/** integrity: the store's checks (quick_check, the JSON file's invariants…); each problem is one line. */
export function integrityDuty(every: number): MonitorDuty {
  return {
    name: "integrity",
    async run(board, tick) {
      if (tick.index % every !== 0 || !board.store.inspect) return [];
      const checks = await board.store.inspect({ integrity: true });
      return checks
        .filter((c) => !c.ok && c.name !== "stale lock")
        .map((c) => ({ duty: "integrity", action: "problem", detail: `${c.name}: ${c.detail}${c.fix ? `; fix: ${c.fix}` : ""}` }));
    },
  };
}

/**
 * webhooks: deliver due events to the board's webhooks (src/webhooks/monitor-duty.ts: a tick
 * waits for its round at most a second, so a hanging receiver never delays heal). Loaded on the
 * first tick, so no other verb loads the signing and HTTP code; drained when the monitor stops,
 * so no delivery is left sent but unrecorded.
 */
export function webhookDuty(): MonitorDuty {
  let duty: Promise<ReturnType<typeof webhookMonitorDuty>> | undefined;
  const load = () => (duty ??= import("../webhooks/monitor-duty.js").then((m) => m.webhookMonitorDuty()));
  return {
    name: "webhooks",
    run: async (board) => (await load()).run(board),
    drain: async () => (duty ? (await duty).drain() : []),
  };
}

/** The monitor's duties, in the order they run each tick. */
export function monitorDuties(options: DutyOptions): MonitorDuty[] {
  return [healDuty, integrityDuty(options.integrityEvery), webhookDuty()];
}

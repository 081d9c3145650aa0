/** Lease expiry and retry promotion: run lazily by claims and eagerly by heal. */
import { fromIso, toIso } from "../core/time.js";
import { applyChange } from "./transaction-steps.js";
import { offerRetryElsewhere } from "./coordination.js";
import type { BoardPolicy } from "../core/policy.js";
import type { Task } from "../core/task.js";
import type { StoreWriter } from "../store/store.js";
import type { BoardContext } from "./context.js";
import type { HealReport } from "./types.js";

/**
 * Eager recovery (claims also do it lazily): expired leases count an attempt and go back to
 * pending (or dead), due retries become pending, and agents unseen for longer than the agent
 * timeout are declared dead with their leases recovered.
 */
export async function heal(ctx: BoardContext): Promise<HealReport> {
  return ctx.store.transaction(async (tx) => {
    const now = await ctx.now(tx);
    const report = await recoverDue(tx, now, 1_000_000, ctx.policy);
    await recoverDeadAgents(tx, now, now - ctx.policy.agentTimeoutSeconds * 1000, report, ctx.policy);
    return report;
  });
}

/** Recovers one task if its lease expired or its retry is due; otherwise returns it as is. */
export async function recoverTask(tx: StoreWriter, task: Task, now: number, policy?: BoardPolicy): Promise<Task> {
  if (task.status === "in_progress" && task.leaseExpiresAt !== null && fromIso(task.leaseExpiresAt) <= now) {
    return expire(tx, task, task.assignedTo, now, policy);
  }
  if (task.status === "failed" && task.nextAttemptAt !== null && fromIso(task.nextAttemptAt) <= now) {
    return applyChange(tx, task, { kind: "promote" }, null, now);
  }
  return task;
}

/**
 * Expired leases count an attempt and go back to pending (or dead); due retries become
 * pending. Up to `limit` of each, oldest first.
 */
export async function recoverDue(tx: StoreWriter, now: number, limit: number, policy?: BoardPolicy): Promise<HealReport> {
  const report: HealReport = { timedOut: [], poisoned: [], retried: [], deadAgents: [] };
  for (const task of await tx.expiredLeases(toIso(now), limit)) {
    const after = await expire(tx, task, task.assignedTo, now, policy);
    (after.status === "dead" ? report.poisoned : report.timedOut).push(task.id);
  }
  for (const task of await tx.dueRetries(toIso(now), limit)) {
    await applyChange(tx, task, { kind: "promote" }, null, now);
    report.retried.push(task.id);
  }
  return report;
}

/**
 * Agents unseen since `unseenSince` are dead: each lease they hold is expired (counting an
 * attempt) and one AGENT_DEAD event names what was recovered.
 */
export async function recoverDeadAgents(
  tx: StoreWriter,
  now: number,
  unseenSince: number,
  report: HealReport,
  policy?: BoardPolicy,
): Promise<void> {
  const cutoff = toIso(unseenSince);
  for (const agent of await tx.listAgents()) {
    if (agent.lastSeenAt >= cutoff) continue;
    const held = await tx.listTasks({ statuses: ["in_progress"], assignedTo: agent.id });
    if (held.length === 0) continue;
    for (const task of held) {
      // A lease still running is not "expired": say the holder was declared dead.
      const leaseRunning = task.leaseExpiresAt !== null && fromIso(task.leaseExpiresAt) > now;
      const after = await expire(tx, task, agent.id, now, policy, leaseRunning ? agent.lastSeenAt : undefined);
      (after.status === "dead" ? report.poisoned : report.timedOut).push(task.id);
    }
    report.deadAgents.push(agent.id);
    await tx.appendEvent({
      at: toIso(now),
      type: "AGENT_DEAD",
      taskId: null,
      agentId: agent.id,
      from: null,
      to: null,
      details: `${agent.id} unseen since ${agent.lastSeenAt}; recovered ${held.map((t) => t.id).join(", ")}`,
      data: { lastSeenAt: agent.lastSeenAt, recovered: held.map((t) => t.id) },
    });
  }
}

/** A lease ends: an attempt counted, and with autoReassign the retry offered to another agent. */
async function expire(
  tx: StoreWriter,
  task: Task,
  agent: string | null,
  now: number,
  policy?: BoardPolicy,
  agentUnseenSince?: string,
): Promise<Task> {
  const transition = agentUnseenSince === undefined ? { kind: "expire" as const } : { kind: "expire" as const, agentUnseenSince };
  const after = await applyChange(tx, task, transition, agent, now);
  return policy ? offerRetryElsewhere(tx, after, task.assignedTo, now, policy) : after;
}

/**
 * Why nobody can claim a task right now, every reason at once (the dashboard's "why is this
 * not claimable"): held or finished, waiting for its retry (backoff), each unfinished
 * dependency, a reservation for one agent, and needs that no live agent has. A claim itself
 * stops at the first reason (src/core/selection.ts claimRefusal); a person wants them all.
 */
import { missingCapabilities, unfinishedDependencies } from "./selection.js";
import type { DependencyStatuses } from "./selection.js";
import type { Task } from "./task.js";

export const BlockerKind = {
  held: "held",
  finished: "finished",
  backoff: "backoff",
  dependency: "dependency",
  reservation: "reservation",
  capability: "capability",
} as const;
export type BlockerKind = (typeof BlockerKind)[keyof typeof BlockerKind];

export interface Blocker {
  kind: BlockerKind;
  message: string;
}

export interface LiveAgent {
  id: string;
  capabilities: readonly string[];
}

export function claimBlockers(
  task: Task,
  statuses: DependencyStatuses,
  liveAgents: readonly LiveAgent[],
  nowMs: number,
): Blocker[] {
  switch (task.status) {
    case "in_progress":
      return [{ kind: BlockerKind.held, message: `held by ${task.assignedTo ?? "an agent"} (token ${task.leaseToken}) until its lease ends` }];
    case "completed":
    case "cancelled":
      return [{ kind: BlockerKind.finished, message: `${task.status}: nothing left to claim` }];
    case "dead":
      return [{ kind: BlockerKind.finished, message: `dead after ${task.attempts} attempts (a poison pill): revive it to run it again` }];
    case "failed":
    case "pending":
      break;
  }
  const blockers: Blocker[] = [];
  if (task.status === "failed") {
    const due = task.nextAttemptAt ? Date.parse(task.nextAttemptAt) : nowMs;
    blockers.push({
      kind: BlockerKind.backoff,
      message:
        due > nowMs
          ? `failed (attempt ${task.attempts} of ${task.maxAttempts}); retry due in ${Math.ceil((due - nowMs) / 1000)} s, at ${task.nextAttemptAt}`
          : `failed; its retry is due now and the next claim or heal makes it pending`,
    });
  }
  for (const dep of unfinishedDependencies(task, statuses)) {
    blockers.push({
      kind: BlockerKind.dependency,
      message: dep.status === "missing" ? `waits for ${dep.id}, which does not exist` : `waits for ${dep.id} (${dep.status.replace("_", " ")})`,
    });
  }
  if (task.assignedTo !== null) {
    blockers.push({ kind: BlockerKind.reservation, message: `reserved for ${task.assignedTo}: only that agent may claim it` });
  }
  if (task.needs.length > 0) {
    const able = liveAgents.filter((agent) => missingCapabilities(task, agent.capabilities).length === 0);
    const eligible = task.assignedTo === null ? able : able.filter((agent) => agent.id === task.assignedTo);
    if (eligible.length === 0) {
      blockers.push({
        kind: BlockerKind.capability,
        message:
          task.assignedTo === null
            ? `no live agent has ${task.needs.join(", ")}`
            : `${task.assignedTo} is not a live agent with ${task.needs.join(", ")}`,
      });
    }
  }
  return blockers;
}

/**
 * baton's central promise read back from the audit trail: no task is ever held by two agents
 * at once. Walks each task's events in commit order: a claim opens a holding interval, the
 * event that moves the task out of in_progress closes it; a claim while one is open is a
 * violation. The demo's closing report and the race tests use this one check.
 */
import type { BoardEvent } from "./task.js";

export interface HoldingReport {
  /** CLAIMED events per task id. */
  claims: Map<string, number>;
  /** COMPLETED events per task id. */
  completions: Map<string, number>;
  /** Each broken rule, naming the task, the agents and the seqs; empty when the trail is sound. */
  violations: string[];
}

export function checkHolding(events: Iterable<BoardEvent>): HoldingReport {
  const holder = new Map<string, { agent: string | null; seq: number }>();
  const claims = new Map<string, number>();
  const completions = new Map<string, number>();
  const violations: string[] = [];
  let previousSeq = 0;
  for (const event of events) {
    if (event.seq <= previousSeq) violations.push(`event seq ${event.seq} after ${previousSeq}: not increasing`);
    previousSeq = Math.max(previousSeq, event.seq);
    const id = event.taskId;
    if (id === null) continue;
    const open = holder.get(id);
    if (event.type === "CLAIMED") {
      if (open) {
        violations.push(`${id} claimed by ${event.agentId} (seq ${event.seq}) while held by ${open.agent} since seq ${open.seq}`);
      }
      if (event.from !== "pending" || event.to !== "in_progress") {
        violations.push(`${id} CLAIMED at seq ${event.seq} went ${event.from} → ${event.to}`);
      }
      holder.set(id, { agent: event.agentId, seq: event.seq });
      claims.set(id, (claims.get(id) ?? 0) + 1);
      continue;
    }
    if (event.from === "in_progress") {
      if (!open) violations.push(`${id} left in_progress at seq ${event.seq} (${event.type}) without a claim`);
      if (event.to !== "in_progress") holder.delete(id);
    } else if (event.to === "in_progress") {
      violations.push(`${id} entered in_progress at seq ${event.seq} by ${event.type}, not by a claim`);
    }
    if (event.type === "COMPLETED") completions.set(id, (completions.get(id) ?? 0) + 1);
  }
  return { claims, completions, violations };
}

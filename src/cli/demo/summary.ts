/**
 * The demo's closing report, computed from the audit trail alone: what happened (events by
 * type, completions per agent, the retry and the timeout) and a check of baton's promise —
 * every task completed exactly once, and never held by two agents at once.
 */
import { checkHolding } from "../../core/holding.js";
import { fromIso } from "../../core/time.js";
import type { BoardEvent } from "../../core/task.js";
import type { Style } from "../style.js";

export interface DemoFacts {
  elapsedMs: number;
  taskCount: number;
  agentCount: number;
  killed: { agent: string; taskId: string } | null;
}

export interface AuditCheck {
  completedOnce: boolean;
  overlaps: string[];
}

/** baton's promise, from the trail: every task completed once, never two holders at once. */
export function checkAudit(events: readonly BoardEvent[], taskCount: number): AuditCheck {
  const { completions, violations } = checkHolding(events);
  const completedOnce = completions.size === taskCount && [...completions.values()].every((n) => n === 1);
  return { completedOnce, overlaps: violations };
}

export function summarise(events: readonly BoardEvent[], facts: DemoFacts, style: Style): string {
  const byType = countBy(events.map((e) => e.type));
  const perAgent = countBy(events.filter((e) => e.type === "COMPLETED").map((e) => e.agentId ?? "?"));
  const completed = byType.get("COMPLETED") ?? 0;
  const lines = [
    style.paint("bold", "── summary (from the audit trail) ──"),
    `${completed}/${facts.taskCount} tasks completed in ${(facts.elapsedMs / 1000).toFixed(1)} s by ` +
      `${facts.agentCount} agent processes${facts.killed ? ` (1 killed)` : ""}`,
    `events by type: ${[...byType].map(([type, n]) => `${type} ${n}`).join(" · ")}`,
    `completed per agent: ${[...perAgent].sort((a, b) => b[1] - a[1]).map(([a, n]) => `${a} ${n}`).join(" · ")}`,
  ];
  for (const failed of events.filter((e) => e.type === "FAILED")) {
    const retry = events.find((e) => e.type === "RETRY_SCHEDULED" && e.taskId === failed.taskId && e.seq > failed.seq);
    const done = events.find((e) => e.type === "COMPLETED" && e.taskId === failed.taskId && e.seq > failed.seq);
    lines.push(
      `retry: ${failed.taskId} failed on ${failed.agentId} ("${String(failed.data.lastError ?? "")}")` +
        (retry ? `, was ready again ${seconds(fromIso(retry.at) - fromIso(failed.at))} later (backoff)` : "") +
        (done ? ` and was completed by ${done.agentId}` : ""),
    );
  }
  for (const timeout of events.filter((e) => e.type === "TIMEOUT")) {
    const done = events.find((e) => e.type === "COMPLETED" && e.taskId === timeout.taskId && e.seq > timeout.seq);
    const killed = facts.killed?.taskId === timeout.taskId ? `${facts.killed.agent} was killed holding ${timeout.taskId}; ` : "";
    lines.push(
      `lease timeout: ${killed}its lease expired, the next claim recovered it` +
        (done ? `, and ${done.agentId} finished it` : ""),
    );
  }
  const check = checkAudit(events, facts.taskCount);
  lines.push(
    check.completedOnce && check.overlaps.length === 0
      ? style.paint("green", `audit check: every task completed exactly once; no task was ever held by two agents at once`)
      : style.paint("red", `audit check FAILED: ${check.completedOnce ? "" : "not every task completed exactly once; "}${check.overlaps.join("; ")}`),
  );
  return lines.join("\n");
}

function countBy(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

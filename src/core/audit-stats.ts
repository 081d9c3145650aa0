/**
 * `baton audit stats` (seed 002's `task_audit.sh query stats`): counts by type and by agent,
 * and how long tasks waited to be claimed and took to complete, folded from events in seq
 * order one at a time, so a million events need only a map of open tasks.
 */
import { fromIso } from "./time.js";
import type { BoardEvent } from "./task.js";

export interface DurationSummary {
  count: number;
  meanSeconds: number | null;
  p50Seconds: number | null;
  p95Seconds: number | null;
  maxSeconds: number | null;
}

export interface AuditStats {
  events: number;
  firstAt: string | null;
  lastAt: string | null;
  byType: Record<string, number>;
  /** Events each agent caused; events without an agent are not counted here. */
  byAgent: Record<string, number>;
  /** From a task's CREATED to its first CLAIMED. */
  timeToClaim: DurationSummary;
  /** From the CLAIMED that led to a COMPLETED to that COMPLETED. */
  timeToComplete: DurationSummary;
}

export class AuditStatsFold {
  private events = 0;
  private firstAt: string | null = null;
  private lastAt: string | null = null;
  private readonly byType = new Map<string, number>();
  private readonly byAgent = new Map<string, number>();
  /** Tasks created but not yet claimed: id → created at (ms). */
  private readonly unclaimed = new Map<string, number>();
  /** Tasks held: id → claimed at (ms). */
  private readonly held = new Map<string, number>();
  private readonly claimWaits: number[] = [];
  private readonly workTimes: number[] = [];

  add(event: BoardEvent): void {
    this.events++;
    this.firstAt ??= event.at;
    this.lastAt = event.at;
    this.byType.set(event.type, (this.byType.get(event.type) ?? 0) + 1);
    if (event.agentId !== null) this.byAgent.set(event.agentId, (this.byAgent.get(event.agentId) ?? 0) + 1);
    const id = event.taskId;
    if (id === null) return;
    const at = fromIso(event.at);
    if (event.type === "CREATED") this.unclaimed.set(id, at);
    else if (event.type === "CLAIMED") {
      const created = this.unclaimed.get(id);
      if (created !== undefined) {
        this.claimWaits.push(at - created);
        this.unclaimed.delete(id);
      }
      this.held.set(id, at);
    } else if (event.from === "in_progress" && event.to !== "in_progress") {
      const claimed = this.held.get(id);
      this.held.delete(id);
      if (event.type === "COMPLETED" && claimed !== undefined) this.workTimes.push(at - claimed);
    }
  }

  result(): AuditStats {
    return {
      events: this.events,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      byType: sortedByCount(this.byType),
      byAgent: sortedByCount(this.byAgent),
      timeToClaim: summarize(this.claimWaits),
      timeToComplete: summarize(this.workTimes),
    };
  }
}

function sortedByCount(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

function summarize(durationsMs: number[]): DurationSummary {
  if (durationsMs.length === 0) return { count: 0, meanSeconds: null, p50Seconds: null, p95Seconds: null, maxSeconds: null };
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const at = (q: number): number => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) / 1000;
  return {
    count: sorted.length,
    meanSeconds: sorted.reduce((sum, d) => sum + d, 0) / sorted.length / 1000,
    p50Seconds: at(0.5),
    p95Seconds: at(0.95),
    maxSeconds: (sorted[sorted.length - 1] as number) / 1000,
  };
}

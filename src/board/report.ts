/**
 * The facts of `baton report`: counts, per-agent throughput from the audit trail, poison pills,
 * the longest-waiting tasks with why each waits, and the critical path. Rendering is the
 * face's (cli/report-markdown.ts).
 */
import { criticalPath, taskGraph } from "../core/pipeline.js";
import { missingCapabilities, unfinishedDependencies } from "../core/selection.js";
import { livenessOf } from "../core/workload.js";
import type { BoardPolicy } from "../core/policy.js";
import type { Agent, Task, TaskStatus } from "../core/task.js";
import type { StoreReader } from "../store/store.js";

export interface AgentThroughput {
  agent: string;
  completed: number;
  failed: number;
  /** Mean time from claim to completion, over its completions; null without any. */
  meanMs: number | null;
}

export interface WaitingTask {
  task: Task;
  waitedMs: number;
  why: string;
}

export interface BoardReport {
  generatedAt: string;
  since: string | null;
  counts: Record<TaskStatus, number>;
  agents: AgentThroughput[];
  poisonPills: Task[];
  longestWaiting: WaitingTask[];
  criticalPath: Task[];
}

const WAITING_SHOWN = 10;

export async function readReport(tx: StoreReader, now: number, policy: BoardPolicy, since: string | null): Promise<BoardReport> {
  const tasks = await tx.listTasks({});
  const agents = await tx.listAgents();
  const events = (await tx.listEvents({})).filter((e) => since === null || e.at >= since);
  const byId = new Map(tasks.map((t) => [t.id, t]));

  const throughput = new Map<string, AgentThroughput & { totalMs: number }>();
  const row = (agent: string) => {
    let r = throughput.get(agent);
    if (!r) throughput.set(agent, (r = { agent, completed: 0, failed: 0, meanMs: null, totalMs: 0 }));
    return r;
  };
  const claimedAt = new Map<string, number>();
  for (const e of events) {
    if (e.taskId === null || e.agentId === null) continue;
    if (e.type === "CLAIMED") claimedAt.set(e.taskId, Date.parse(e.at));
    else if (e.type === "COMPLETED") {
      const r = row(e.agentId);
      r.completed++;
      const started = claimedAt.get(e.taskId);
      if (started !== undefined) r.totalMs += Date.parse(e.at) - started;
    } else if (e.type === "FAILED" || e.type === "TIMEOUT" || e.type === "POISON_PILL") row(e.agentId).failed++;
  }
  const agentRows = [...throughput.values()]
    .map(({ totalMs, ...r }) => ({ ...r, meanMs: r.completed ? totalMs / r.completed : null }))
    .sort((a, b) => b.completed - a.completed || a.agent.localeCompare(b.agent));

  const waiting = tasks
    .filter((t) => t.status === "pending" || t.status === "failed")
    .map((task) => ({ task, waitedMs: Math.max(0, now - Date.parse(task.updatedAt)), why: whyWaiting(task, byId, agents, now, policy) }))
    .sort((a, b) => b.waitedMs - a.waitedMs)
    .slice(0, WAITING_SHOWN);

  const graph = taskGraph(tasks);
  return {
    generatedAt: new Date(now).toISOString(),
    since,
    counts: await tx.countByStatus(),
    agents: agentRows,
    poisonPills: tasks.filter((t) => t.status === "dead"),
    longestWaiting: waiting,
    criticalPath: criticalPath(graph).map((id) => byId.get(id) as Task),
  };
}

/** Why an open task is not being worked: the first reason that holds, in the order a lead would look. */
export function whyWaiting(
  task: Task,
  byId: ReadonlyMap<string, Task>,
  agents: readonly Agent[],
  now: number,
  policy: BoardPolicy,
): string {
  if (task.status === "failed") return `waiting to retry at ${task.nextAttemptAt} (attempt ${task.attempts}/${task.maxAttempts} failed: ${task.lastError ?? "no error"})`;
  const statuses = new Map([...byId.values()].map((t) => [t.id, t.status]));
  const open = unfinishedDependencies(task, statuses);
  if (open.length) return `waits for ${open.map((d) => `${d.id} (${d.status.replace("_", " ")})`).join(", ")}`;
  const alive = agents.filter((a) => livenessOf(a, now, policy) === "alive");
  if (task.assignedTo !== null) {
    const owner = agents.find((a) => a.id === task.assignedTo);
    const state = owner ? livenessOf(owner, now, policy) : "unknown";
    return `reserved for ${task.assignedTo} (${state})${state === "alive" ? "" : "; `baton balance --apply` moves it"}`;
  }
  if (task.needs.length && !alive.some((a) => missingCapabilities(task, a.capabilities).length === 0)) {
    return `no alive agent has ${task.needs.join(", ")}`;
  }
  return "ready: no agent has claimed it yet";
}

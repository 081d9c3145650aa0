/**
 * Who should take what (seed 002's coordinator): whether an agent is alive, silent or dead,
 * how loaded each agent is, the agent `assign --auto` picks, and the reservations `balance`
 * moves. Pure: the board reads tasks and agents and passes the time in.
 */
import { compareForClaim, compareIds, missingCapabilities } from "./selection.js";
import type { Agent, Task } from "./task.js";

export const Liveness = {
  /** Seen within the last lease length: heartbeating as a working agent does. */
  alive: "alive",
  /** Not seen for longer than a lease, but not yet for the agent timeout. */
  silent: "silent",
  /** Unseen for longer than the agent timeout: `heal` recovers what it holds. */
  dead: "dead",
} as const;
export type Liveness = (typeof Liveness)[keyof typeof Liveness];

export interface LivenessRule {
  leaseSeconds: number;
  agentTimeoutSeconds: number;
}

export function livenessOf(agent: Agent, nowMs: number, rule: LivenessRule): Liveness {
  const unseenMs = nowMs - Date.parse(agent.lastSeenAt);
  if (unseenMs > rule.agentTimeoutSeconds * 1000) return Liveness.dead;
  if (unseenMs > rule.leaseSeconds * 1000) return Liveness.silent;
  return Liveness.alive;
}

/** An agent as the coordinator sees it. */
export interface AgentLoad {
  id: string;
  capabilities: readonly string[];
  liveness: Liveness;
  /** Tasks it holds (in progress). */
  holding: number;
  /** Pending tasks reserved for it. */
  reserved: number;
  /** Since when it has had nothing to do, or last seen; earlier is idler (ISO, sorts as time). */
  idleSince: string;
}

export function loadOf(agent: AgentLoad): number {
  return agent.holding + agent.reserved;
}

/**
 * Every agent's load from the open tasks: what it holds and what is reserved for it. Tasks
 * held by or reserved for an agent never seen (a reservation made by hand) count nowhere.
 */
export function agentLoads(
  agents: readonly Agent[],
  openTasks: readonly Task[],
  nowMs: number,
  rule: LivenessRule,
): AgentLoad[] {
  const loads = new Map<string, AgentLoad>();
  for (const agent of agents) {
    loads.set(agent.id, {
      id: agent.id,
      capabilities: agent.capabilities,
      liveness: livenessOf(agent, nowMs, rule),
      holding: 0,
      reserved: 0,
      idleSince: agent.lastSeenAt,
    });
  }
  for (const task of openTasks) {
    const load = task.assignedTo === null ? undefined : loads.get(task.assignedTo);
    if (!load) continue;
    if (task.status === "in_progress") load.holding++;
    else if (task.status === "pending" || task.status === "failed") load.reserved++;
  }
  return [...loads.values()];
}

/** Whether this agent may be given this task: not dead, not silent, with every capability it needs. */
export function mayBeGiven(task: Task, agent: AgentLoad): boolean {
  return agent.liveness === Liveness.alive && missingCapabilities(task, agent.capabilities).length === 0;
}

/** Least loaded first; ties by longest idle (earliest idleSince), then id for a total order. */
export function compareForAssignment(a: AgentLoad, b: AgentLoad): number {
  return (
    loadOf(a) - loadOf(b) ||
    (a.idleSince < b.idleSince ? -1 : a.idleSince > b.idleSince ? 1 : 0) ||
    compareIds(a.id, b.id)
  );
}

/**
 * The agent `assign --auto` reserves this task for: the least-loaded alive agent that has
 * every capability the task needs (ties: idle longest), or null when none may take it.
 */
export function chooseAssignee(task: Task, agents: readonly AgentLoad[], exclude: readonly string[] = []): AgentLoad | null {
  const able = agents.filter((a) => mayBeGiven(task, a) && !exclude.includes(a.id));
  return able.sort(compareForAssignment)[0] ?? null;
}

export interface ReservationMove {
  taskId: string;
  from: string;
  to: string;
  /** Loads of the two agents before this move, for the plan's explanation. */
  fromLoad: number;
  toLoad: number;
  why: "dead" | "silent" | "overloaded";
}

/**
 * The reservations `balance` would move, in order. A reservation for a dead or silent agent
 * moves to the least-loaded alive capable agent. Then, while the most-loaded agent holding a
 * movable reservation has at least two more tasks than a capable alive agent, its reservation
 * that it would claim last moves to that agent. Only pending reservations move; held tasks
 * stay with their holder. Each move lowers the spread, so the plan always ends.
 */
export function planBalance(reservedTasks: readonly Task[], agents: readonly AgentLoad[]): ReservationMove[] {
  const loads = new Map(agents.map((a) => [a.id, { ...a }]));
  const reservations = reservedTasks.filter(
    (t) => t.status === "pending" && t.assignedTo !== null && loads.has(t.assignedTo),
  );
  const moves: ReservationMove[] = [];
  const move = (task: Task, to: AgentLoad, why: ReservationMove["why"]): void => {
    const from = loads.get(task.assignedTo as string) as AgentLoad;
    // A task moved twice is one move, from its first owner to its last.
    const earlier = moves.find((m) => m.taskId === task.id);
    if (earlier) Object.assign(earlier, { to: to.id, toLoad: loadOf(to) });
    else moves.push({ taskId: task.id, from: from.id, to: to.id, fromLoad: loadOf(from), toLoad: loadOf(to), why });
    from.reserved--;
    to.reserved++;
    task.assignedTo = to.id;
  };
  const working = reservations.map((t) => ({ ...t })).sort(compareTasks);
  for (const task of working) {
    const owner = loads.get(task.assignedTo as string) as AgentLoad;
    if (owner.liveness === Liveness.alive) continue;
    const to = chooseAssignee(task, [...loads.values()]);
    if (to) move(task, to, owner.liveness === Liveness.dead ? "dead" : "silent");
  }
  for (;;) {
    const step = bestOverloadMove(working, [...loads.values()]);
    if (!step) return moves;
    move(step.task, step.to, "overloaded");
  }
}

function bestOverloadMove(
  reservations: readonly Task[],
  agents: readonly AgentLoad[],
): { task: Task; to: AgentLoad } | null {
  const byLoad = agents.filter((a) => a.liveness === Liveness.alive).sort((a, b) => -compareForAssignment(a, b));
  for (const from of byLoad) {
    // Its reservations from the one it would claim last to the one it would claim first.
    const own = reservations.filter((t) => t.assignedTo === from.id).sort(compareForClaim(from.id)).reverse();
    for (const task of own) {
      const to = chooseAssignee(task, agents, [from.id]);
      if (to && loadOf(from) - loadOf(to) >= 2) return { task, to };
    }
  }
  return null;
}

function compareTasks(a: Task, b: Task): number {
  return compareForClaim("")(a, b);
}

/**
 * Coordination inside one transaction: the agents' workload, `assign --auto`, `balance` and
 * the agent roster (`agent add/remove`). The choices are the core's (core/workload.ts); this
 * file reads what they need and writes what they decide.
 */
import { BatonError, ErrorCode } from "../core/errors.js";
import { agentLoads, chooseAssignee, planBalance } from "../core/workload.js";
import { toIso } from "../core/time.js";
import { applyChange, checkVersion, mustGet } from "./transaction-steps.js";
import type { BoardPolicy } from "../core/policy.js";
import type { Task } from "../core/task.js";
import type { AgentLoad, ReservationMove } from "../core/workload.js";
import type { StoreReader, StoreWriter } from "../store/store.js";

/** Statuses that count towards an agent's load (held, or reserved and still to do). */
const LOADED: readonly Task["status"][] = ["pending", "in_progress", "failed"];

export async function readLoads(tx: StoreReader, now: number, policy: BoardPolicy): Promise<AgentLoad[]> {
  const [agents, open] = await Promise.all([tx.listAgents(), tx.listTasks({ statuses: LOADED })]);
  return agentLoads(agents, open.filter((t) => t.assignedTo !== null), now, policy);
}

/** Reserves the task for the agent the core chooses; CONFLICT naming why when none may take it. */
export async function assignAuto(
  tx: StoreWriter,
  id: string,
  by: string | null,
  now: number,
  policy: BoardPolicy,
  expectedVersion?: number,
): Promise<Task> {
  const task = await mustGet(tx, id);
  checkVersion(task, expectedVersion);
  const loads = await readLoads(tx, now, policy);
  // Its current reservation does not count against the agent that has it.
  const current = loads.find((a) => a.id === task.assignedTo);
  if (current && task.status !== "in_progress") current.reserved--;
  const chosen = chooseAssignee(task, loads);
  if (!chosen) throw noAssignee(task, loads);
  return applyChange(tx, task, { kind: "assign", agentId: chosen.id }, by, now);
}

function noAssignee(task: Task, loads: readonly AgentLoad[]): BatonError {
  const needs = task.needs.length ? ` with ${task.needs.join(", ")}` : "";
  const alive = loads.filter((a) => a.liveness === "alive").map((a) => a.id);
  return new BatonError(
    ErrorCode.CONFLICT,
    `no alive agent${needs} to assign ${task.id} to` +
      (alive.length ? ` (alive: ${alive.join(", ")})` : " (no agent has been seen recently)") +
      `; register one with \`baton agent add ID --capabilities ${task.needs.join(",") || "a,b"}\`, or assign it by name`,
    { taskId: task.id, needs: task.needs, reason: "no_assignee" },
  );
}

/** The balance plan, and with `apply` each move made (one ASSIGNED event per task). */
export async function balance(
  tx: StoreWriter,
  apply: boolean,
  by: string | null,
  now: number,
  policy: BoardPolicy,
): Promise<ReservationMove[]> {
  const loads = await readLoads(tx, now, policy);
  const reserved = (await tx.listTasks({ statuses: ["pending"] })).filter((t) => t.assignedTo !== null);
  const moves = planBalance(reserved, loads);
  if (apply) {
    for (const move of moves) {
      const task = await mustGet(tx, move.taskId);
      await applyChange(tx, task, { kind: "assign", agentId: move.to }, by, now);
    }
  }
  return moves;
}

/** Registers (or re-registers) an agent ahead of its first claim: seen now, with these capabilities. */
export async function addAgent(tx: StoreWriter, id: string, capabilities: readonly string[], now: number): Promise<void> {
  await tx.putAgent({ id, capabilities: [...capabilities], lastSeenAt: toIso(now) });
}

/**
 * Forgets an agent and lifts its reservations. Refused while it holds a task (release it or
 * let it expire first), so no lease is left with an agent the board no longer knows.
 */
export async function removeAgent(tx: StoreWriter, id: string, by: string | null, now: number): Promise<void> {
  if (!(await tx.getAgent(id))) {
    throw new BatonError(ErrorCode.NOT_FOUND, `no agent ${id} on this board; see \`baton agents\``, { agentId: id });
  }
  const held = await tx.listTasks({ statuses: ["in_progress"], assignedTo: id });
  if (held.length > 0) {
    throw new BatonError(
      ErrorCode.CONFLICT,
      `${id} holds ${held.map((t) => t.id).join(", ")}; it must release or finish them first (or \`baton heal\` once its lease expires)`,
      { agentId: id, holding: held.map((t) => t.id) },
    );
  }
  // Its reservations are lifted: nobody else could claim them while they named a stranger.
  for (const task of await tx.listTasks({ statuses: ["pending", "failed"], assignedTo: id })) {
    await applyChange(tx, task, { kind: "assign", agentId: null }, by, now);
  }
  await tx.deleteAgent(id);
}

/** An agent's workload and record, for `baton agents`. */
export interface AgentActivity extends Omit<AgentLoad, "holding"> {
  lastSeenAt: string;
  /** Ids of the tasks it holds. */
  holding: string[];
  completed: number;
  /** Failures, timeouts and poison pills it was the holder for. */
  failed: number;
}

/** Events that end an attempt badly, counted against the agent that held the task. */
const FAILURE_EVENTS = ["FAILED", "TIMEOUT", "POISON_PILL"] as const;

export async function readActivity(tx: StoreReader, now: number, policy: BoardPolicy): Promise<AgentActivity[]> {
  const [agents, loads, held] = await Promise.all([
    tx.listAgents(),
    readLoads(tx, now, policy),
    tx.listTasks({ statuses: ["in_progress"] }),
  ]);
  const completed = new Map<string, number>();
  const failed = new Map<string, number>();
  const count = (into: Map<string, number>, id: string | null): void => {
    if (id !== null) into.set(id, (into.get(id) ?? 0) + 1);
  };
  for (const e of await tx.listEvents({ types: ["COMPLETED"] })) count(completed, e.agentId);
  for (const type of FAILURE_EVENTS) for (const e of await tx.listEvents({ types: [type] })) count(failed, e.agentId);
  const seen = new Map(agents.map((a) => [a.id, a.lastSeenAt]));
  return loads.map((load) => ({
    ...load,
    lastSeenAt: seen.get(load.id) as string,
    holding: held.filter((t) => t.assignedTo === load.id).map((t) => t.id),
    completed: completed.get(load.id) ?? 0,
    failed: failed.get(load.id) ?? 0,
  }));
}

/**
 * The policy's autoReassign: a task that just failed (waiting for its retry) or timed out
 * (pending again) is reserved for the least-loaded other alive agent with its needs, so the
 * retry goes elsewhere first. Nothing happens when no other agent may take it: then anyone may.
 */
export async function offerRetryElsewhere(
  tx: StoreWriter,
  task: Task,
  previousHolder: string | null,
  now: number,
  policy: BoardPolicy,
): Promise<Task> {
  if (!policy.autoReassign || (task.status !== "failed" && task.status !== "pending")) return task;
  const chosen = chooseAssignee(task, await readLoads(tx, now, policy), previousHolder === null ? [] : [previousHolder]);
  if (!chosen) return task;
  return applyChange(tx, task, { kind: "assign", agentId: chosen.id }, null, now);
}

/**
 * The agents' workload as operations: who holds what, the record of each, `assign --auto`
 * and `balance`. The choices are the core's (core/workload.ts); the reads and writes inside
 * each transaction are in board/coordination.ts.
 */
import { checkTaskId } from "../core/validation.js";
import { assignAuto, balance, readActivity, readLoads } from "./coordination.js";
import { actorOf, expectedVersionOf } from "./context.js";
import type { Task } from "../core/task.js";
import type { AgentLoad, ReservationMove } from "../core/workload.js";
import type { StoreWriter } from "../store/store.js";
import type { BoardContext } from "./context.js";
import type { AgentActivity } from "./coordination.js";
import type { EditBy } from "./types.js";

/** Every known agent with its load and whether it is alive, silent or dead. */
export async function workload(ctx: BoardContext): Promise<AgentLoad[]> {
  return ctx.store.read(async (tx) => readLoads(tx, await ctx.now(tx), ctx.policy));
}

/** Every known agent's workload and record: held, reserved, completed, failed. */
export async function activity(ctx: BoardContext): Promise<AgentActivity[]> {
  return ctx.store.read(async (tx) => readActivity(tx, await ctx.now(tx), ctx.policy));
}

/** Reserves a task for the least-loaded alive agent that has what it needs (ties: idle longest). */
export async function assignToLeastLoaded(ctx: BoardContext, id: string, by: EditBy): Promise<Task> {
  checkTaskId(id);
  const actor = actorOf(by);
  const expectedVersion = expectedVersionOf(by);
  return ctx.store.transaction(
    async (tx) => assignAuto(tx, id, actor, await ctx.now(tx), ctx.policy, expectedVersion),
    { taskIds: [id] },
  );
}

/** The reservations that would move from overloaded (or dead) agents to idle capable ones; moved with `apply`. */
export async function rebalance(ctx: BoardContext, apply: boolean, by: { agent?: string }): Promise<ReservationMove[]> {
  const actor = actorOf(by);
  // The plan alone is a read: balance writes nothing when not applying.
  if (!apply) return ctx.store.read(async (tx) => balance(tx as StoreWriter, false, actor, await ctx.now(tx), ctx.policy));
  return ctx.store.transaction(async (tx) => balance(tx, true, actor, await ctx.now(tx), ctx.policy));
}

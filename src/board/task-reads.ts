/**
 * Reading tasks: one by id, lists and their pages, counts, and the ready set in claim order
 * (what `claim` would choose from, and the one it would give an agent now).
 */
import * as z from "zod/mini";
import { compareForClaim } from "../core/selection.js";
import { PRIORITY_RANK } from "../core/task.js";
import { toIso } from "../core/time.js";
import { checkAgentId, checkTaskId, parseInput, positiveIntSchema, prioritySchema } from "../core/validation.js";
import { CLAIM_RECOVERY_BATCH } from "../store/store.js";
import { capabilitiesOf } from "./agents.js";
import { pickBest } from "./candidates.js";
import { claimKeyOf, pageLimit, parseReadyCursor, parseTaskCursor, readyCursor, taskCursor, toPage } from "./paging.js";
import { walkReady } from "./ready-walk.js";
import { taskFilter } from "./queries.js";
import { asPromoted, firstReady, mustGet } from "./transaction-steps.js";
import type { Priority, Task } from "../core/task.js";
import type { BoardContext } from "./context.js";
import type { Page } from "./paging.js";
import type { ListQuery, PageQuery, ReadyQuery } from "./types.js";

export async function getTask(ctx: BoardContext, id: string): Promise<Task> {
  checkTaskId(id);
  return ctx.store.read((tx) => mustGet(tx, id));
}

/** Every task matching the filters (or the first `limit`), in list order; see listPage for pages. */
export async function listTasks(ctx: BoardContext, query: ListQuery): Promise<Task[]> {
  const filter = taskFilter(query);
  const limit = parseInput(z.optional(positiveIntSchema("limit", 100_000)), query.limit, "limit");
  return ctx.store.read((tx) => tx.listTasks({ ...filter, ...(limit !== undefined && { limit }) }));
}

/** One page of the tasks matching the filters, in list order (created, then id); see board/paging.ts. */
export async function listPage(ctx: BoardContext, query: Omit<ListQuery, "limit"> & PageQuery): Promise<Page<Task>> {
  const filter = taskFilter(query);
  const limit = pageLimit(query.limit);
  const after = query.cursor === undefined ? undefined : parseTaskCursor(query.cursor);
  const rows = await ctx.store.read((tx) => tx.listTasks({ ...filter, ...(after && { after }), limit: limit + 1 }));
  return toPage(rows, limit, taskCursor);
}

/** How many tasks match the filters, after `cursor` when given: what follows a page. */
export async function countTasks(ctx: BoardContext, query: Omit<ListQuery, "limit"> & Pick<PageQuery, "cursor">): Promise<number> {
  const filter = taskFilter(query);
  const after = query.cursor === undefined ? undefined : parseTaskCursor(query.cursor);
  return ctx.store.read((tx) => tx.countTasks({ ...filter, ...(after && { after }) }));
}

/**
 * Tasks that are ready now: pending (or failed with the retry due, which the next claim turns
 * pending) with every dependency completed; for an agent, only those it may take. With a
 * limit, only the first `limit` are read (board/ready-walk.ts); without, every one.
 */
export async function readyTasks(ctx: BoardContext, options: ReadyQuery & { limit?: number }): Promise<Task[]> {
  const agent = options.agent === undefined ? undefined : checkAgentId(options.agent);
  const limit = parseInput(z.optional(positiveIntSchema("limit")), options.limit, "limit");
  return ctx.store.read((tx) =>
    walkReady(ctx, tx, { agent, capabilities: options.capabilities, want: limit ?? Number.MAX_SAFE_INTEGER }),
  );
}

/**
 * One page of the ready tasks in claim order (best first); see board/paging.ts. It says
 * whether more follow, not how many: counting them means checking every pending task's
 * dependencies, the cost of the whole board that a page exists to avoid.
 */
export async function readyPage(ctx: BoardContext, query: ReadyQuery & PageQuery): Promise<Page<Task>> {
  const agent = query.agent === undefined ? undefined : checkAgentId(query.agent);
  const limit = pageLimit(query.limit);
  const after = query.cursor === undefined ? undefined : parseReadyCursor(query.cursor);
  const rows = await ctx.store.read((tx) =>
    walkReady(ctx, tx, { agent, capabilities: query.capabilities, ...(after && { after }), want: limit + 1 }),
  );
  return toPage(rows, limit, (last) => readyCursor(claimKeyOf(last, agent)));
}

/** The task `claim` would give this agent now, without taking it. */
export async function nextTask(
  ctx: BoardContext,
  options: { agent: string; capabilities?: readonly string[]; minPriority?: Priority },
): Promise<Task | null> {
  const agent = checkAgentId(options.agent);
  const minPriority = parseInput(z.optional(prioritySchema), options.minPriority, "minimum priority");
  const atLeast = (t: Task | null): boolean =>
    t !== null && (minPriority === undefined || PRIORITY_RANK[t.priority] <= PRIORITY_RANK[minPriority]);
  return ctx.store.read(async (tx) => {
    const now = await ctx.now(tx);
    const capabilities = await capabilitiesOf(tx, agent, options.capabilities);
    // The same lazy batch a claim recovers (store.ts), so `next` answers what `claim` would take.
    const due = (await tx.dueRetries(toIso(now), CLAIM_RECOVERY_BATCH)).map(asPromoted);
    const dueHigh = due.filter(atLeast);
    const best = [await pickBest(tx, agent, capabilities, minPriority), await firstReady(tx, dueHigh, agent, capabilities)]
      .filter((t): t is Task => atLeast(t))
      .sort(compareForClaim(agent));
    return best[0] ?? null;
  });
}

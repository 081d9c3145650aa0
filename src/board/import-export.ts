/**
 * Moving tasks in and out of the board in the seeds' formats (src/migrate parses and formats
 * them): import, export, and seed 003's inbox of submitted tasks.
 */
import { checkPrefix } from "../core/validation.js";
import { formatTasks } from "../migrate/export.js";
import { checkFormat, parseImport } from "../migrate/parse.js";
import { DEFAULT_QUEUE_PREFIX } from "../migrate/task-queue.js";
import { actorOf } from "./context.js";
import { exportHistory } from "./export-history.js";
import { importRows } from "./importing.js";
import { processInboxFile } from "./inbox.js";
import type { BoardContext } from "./context.js";
import type { ImportPlan } from "./importing.js";
import type { InboxOutcome } from "./inbox.js";

/**
 * Imports a seed's file (tasks-json, task-queue, tasks-md) in one transaction: ids kept,
 * counters raised past them, an existing id updated only where it differs. `dryRun`: the
 * same transaction, rolled back; the plan says what it would have done.
 */
export async function importTasks(
  ctx: BoardContext,
  text: string,
  options: { format: string; dryRun?: boolean; agent?: string; queuePrefix?: string },
): Promise<ImportPlan> {
  const format = checkFormat(options.format);
  const rows = parseImport(format, text, options.queuePrefix);
  const agent = actorOf(options);
  return importRows(ctx.store, rows, {
    format,
    dryRun: options.dryRun === true,
    agent,
    policy: ctx.policy,
    now: (tx) => ctx.now(tx),
  });
}

/** The board's tasks in a seed's format (tasks-json carries every field and the history). */
export async function exportTasks(ctx: BoardContext, options: { format: string; queuePrefix?: string }): Promise<string> {
  const format = checkFormat(options.format);
  const queuePrefix = checkPrefix(options.queuePrefix ?? DEFAULT_QUEUE_PREFIX);
  const tasks = await ctx.store.read((tx) => tx.listTasks({}));
  const history = format === "tasks-json" ? await exportHistory(ctx.store) : undefined;
  return formatTasks(format, tasks, { queuePrefix, ...(history && { history }) });
}

/**
 * Seed 003's inbox: each submitted task's id must be reserved and unused; accepted ones are
 * added and leave the file in one step under its lock, rejected ones stay with their reason.
 */
export async function processInbox(ctx: BoardContext, path: string, by: { agent?: string }): Promise<InboxOutcome> {
  return processInboxFile(ctx.store, path, { agent: actorOf(by), policy: ctx.policy, now: (tx) => ctx.now(tx) });
}

/** Reading the audit trail: filtered lists, pages, streamed pages, stats, and replay against it. */
import { AuditStatsFold } from "../core/audit-stats.js";
import { checkTaskId } from "../core/validation.js";
import { eventPages } from "./audit-pages.js";
import { eventQueryOf } from "./audit-query.js";
import { eventCursor, pageLimit, parseEventCursor, toPage } from "./paging.js";
import { eventFilter } from "./queries.js";
import { replayBoard } from "./replay.js";
import { throwNotFound } from "./transaction-steps.js";
import type { AuditStats } from "../core/audit-stats.js";
import type { ReplayReport } from "../core/replay.js";
import type { BoardEvent } from "../core/task.js";
import type { EventQuery, StoreReader } from "../store/store.js";
import type { BoardContext } from "./context.js";
import type { Page } from "./paging.js";
import type { AuditQuery, PageQuery } from "./types.js";

export async function auditEvents(ctx: BoardContext, query: AuditQuery): Promise<BoardEvent[]> {
  const q = eventQueryOf(query);
  return ctx.store.read((tx) => eventsOfKnownTask(tx, q));
}

/** The trail a page at a time, oldest first (export streams these; see board/audit-pages.ts). */
export function auditPages(ctx: BoardContext, query: Omit<AuditQuery, "recent" | "limit">): AsyncGenerator<BoardEvent[]> {
  return eventPages(ctx.store, eventQueryOf(query));
}

/** Counts by type and by agent, time to claim and to complete (core/audit-stats.ts). */
export async function auditStats(ctx: BoardContext, query: Omit<AuditQuery, "recent" | "limit">): Promise<AuditStats> {
  const fold = new AuditStatsFold();
  for await (const page of eventPages(ctx.store, eventQueryOf(query))) for (const event of page) fold.add(event);
  return fold.result();
}

/** One page of the audit trail, oldest first; see board/paging.ts. */
export async function auditPage(
  ctx: BoardContext,
  query: Omit<AuditQuery, "recent" | "afterSeq" | "limit"> & PageQuery,
): Promise<Page<BoardEvent>> {
  const q = eventFilter(query);
  const limit = pageLimit(query.limit);
  if (query.cursor !== undefined) q.afterSeq = parseEventCursor(query.cursor);
  const rows = await ctx.store.read((tx) => eventsOfKnownTask(tx, { ...q, limit: limit + 1 }));
  return toPage(rows, limit, eventCursor);
}

/** The events of a query; none for a task that does not exist is a typo, not an empty trail. */
async function eventsOfKnownTask(tx: StoreReader, q: EventQuery): Promise<BoardEvent[]> {
  const events = await tx.listEvents(q);
  if (events.length === 0 && q.taskId !== undefined && !(await tx.getTask(q.taskId))) throwNotFound(q.taskId);
  return events;
}

/**
 * Rebuilds tasks from their events and compares them with the stored ones: `ids` only, or
 * every task. A named task that is neither stored nor in the trail is NOT_FOUND.
 */
export async function replayTasks(ctx: BoardContext, ids: readonly string[] | undefined): Promise<ReplayReport> {
  return replayBoard(ctx.store, ids?.map(checkTaskId));
}

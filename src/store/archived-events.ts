/**
 * `listEvents` over the whole trail: the archived seqs (1…the newest archive's toSeq) from the
 * archive files, the rest from the store's table, as one trail — same filters, same order,
 * same paging — so no reader (audit, stats, export, replay, HTTP /api/events, webhooks) knows
 * a rotation happened. Every store's reader answers through this.
 *
 * Archived events are cold: a query that reaches them reads their files line by line (a scan,
 * no index), skipping a file whose seq or time range the query excludes. A query of the newest
 * events (`recent`, paging forward past the archives) never opens one.
 */
import type { BoardEvent } from "../core/task.js";
import type { EventArchive, EventQuery } from "./store.js";

export type TableEvents = (query: EventQuery) => Promise<BoardEvent[]>;

export async function listTrail(
  query: EventQuery,
  archives: readonly EventArchive[],
  table: TableEvents,
): Promise<BoardEvent[]> {
  const newest = archives[archives.length - 1];
  if (newest === undefined || query.types?.length === 0) return table(query);
  // The table's part: above every archive (a seq the store has not deleted yet — the JSON
  // store finishes a rotation after its commit point — is read from the archive, once).
  const tableQuery: EventQuery = { ...query, afterSeq: Math.max(query.afterSeq ?? 0, newest.toSeq) };
  const reached = archives.filter((a) => overlaps(a, query));
  if (query.recent !== undefined) {
    const fresh = await table(tableQuery);
    if (fresh.length >= query.recent) return fresh;
    let older: BoardEvent[] = [];
    for (const archive of [...reached].reverse()) {
      const need = query.recent - fresh.length - older.length;
      older = [...(await lastMatching(archive, query, need)), ...older];
      if (older.length + fresh.length >= query.recent) break;
    }
    return [...older, ...fresh];
  }
  const limit = query.limit ?? Infinity;
  const found: BoardEvent[] = [];
  for (const archive of reached) {
    for await (const event of readArchive(archive, query.afterSeq)) {
      if (pastEnd(event, query)) break;
      if (!matches(event, query)) continue;
      found.push(event);
      if (found.length >= limit) return found;
    }
  }
  if (query.beforeSeq !== undefined && query.beforeSeq <= newest.toSeq + 1) return found;
  const rest = await table(query.limit === undefined ? tableQuery : { ...tableQuery, limit: limit - found.length });
  return found.length === 0 ? rest : [...found, ...rest];
}

/** Whether any event of the archive can be in the query's seq and time range. */
function overlaps(archive: EventArchive, query: EventQuery): boolean {
  return (
    (query.afterSeq === undefined || archive.toSeq > query.afterSeq) &&
    (query.beforeSeq === undefined || archive.fromSeq < query.beforeSeq) &&
    (query.since === undefined || archive.lastAt >= query.since) &&
    (query.until === undefined || archive.firstAt < query.until)
  );
}

/**
 * One archive's events after `afterSeq`. archive-file.ts (with node:readline and node:crypto)
 * loads on the first archive read: every store's reader comes through this module, every CLI
 * call opens a reader, and most boards have no archive.
 */
async function* readArchive(archive: EventArchive, afterSeq: number | undefined): AsyncGenerator<BoardEvent> {
  const { archiveEvents } = await import("./archive-file.js");
  yield* archiveEvents(archive, afterSeq);
}

/** The newest `n` matching events of one archive, oldest first (a ring of n while reading). */
async function lastMatching(archive: EventArchive, query: EventQuery, n: number): Promise<BoardEvent[]> {
  const ring: BoardEvent[] = [];
  for await (const event of readArchive(archive, query.afterSeq)) {
    if (pastEnd(event, query)) break;
    if (!matches(event, query)) continue;
    ring.push(event);
    if (ring.length > n) ring.shift();
  }
  return ring;
}

/** Archives are in seq order: nothing after this event can be before `beforeSeq`. */
const pastEnd = (e: BoardEvent, query: EventQuery): boolean => query.beforeSeq !== undefined && e.seq >= query.beforeSeq;

/** EventQuery's filters on one event, exactly as each store's table applies them. */
export function matches(e: BoardEvent, query: EventQuery): boolean {
  return (
    (query.taskId === undefined || e.taskId === query.taskId) &&
    (query.agentId === undefined || e.agentId === query.agentId) &&
    (query.types === undefined || query.types.includes(e.type)) &&
    (query.since === undefined || e.at >= query.since) &&
    (query.until === undefined || e.at < query.until) &&
    (query.afterSeq === undefined || e.seq > query.afterSeq) &&
    (query.beforeSeq === undefined || e.seq < query.beforeSeq)
  );
}

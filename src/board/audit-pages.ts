/**
 * The audit trail read page by page in seq order, so stats, replay and export of a million
 * events hold one page at a time. Each page is its own read: events are append-only and
 * numbered, so "after the last seq seen" never skips or repeats one.
 */
import type { BoardEvent } from "../core/task.js";
import type { EventQuery, Store } from "../store/store.js";

/** 5,000 events a page: ~2 MB of rows; fewer pages cost more round trips on PostgreSQL. */
export const AUDIT_PAGE = 5000;

export async function* eventPages(
  store: Store,
  query: Omit<EventQuery, "recent" | "limit">,
  pageSize = AUDIT_PAGE,
): AsyncGenerator<BoardEvent[]> {
  let afterSeq = query.afterSeq ?? 0;
  for (;;) {
    const page = await store.read((tx) => tx.listEvents({ ...query, afterSeq, limit: pageSize }));
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    afterSeq = (page[page.length - 1] as BoardEvent).seq;
  }
}

/**
 * The HTTP face's pages, on the shared keyset paging (src/board/paging.ts): answers are
 * `{"items":[…],"next_cursor":…}` (pageToWire). Only the `needs` filter is the face's own:
 * the store cannot filter on it, so pages are read on until one is full and one more match
 * shows that another page follows.
 */
import { taskCursor } from "../board/paging.js";
import type { Board, Page } from "../board.js";
import type { Task, TaskStatus } from "../core/task.js";

export { PAGE_DEFAULT as DEFAULT_LIMIT, PAGE_MAX as MAX_LIMIT, eventCursor } from "../board/paging.js";

export interface TaskFilter {
  statuses?: TaskStatus[];
  agent?: string;
  text?: string;
  /** Checked by the board (src/board/queries.ts): a bad one is INVALID_INPUT. */
  priority?: string;
  dependsOn?: string;
  /** Only tasks that need every one of these capabilities. */
  needs?: string[];
}

export async function taskPage(board: Board, filter: TaskFilter, cursor: string | undefined, limit: number): Promise<Page<Task>> {
  const query = {
    ...(filter.statuses && { status: filter.statuses }),
    ...(filter.agent !== undefined && { agent: filter.agent }),
    ...(filter.text !== undefined && { text: filter.text }),
    ...(filter.priority !== undefined && { priority: filter.priority }),
    ...(filter.dependsOn !== undefined && { dependsOn: filter.dependsOn }),
  };
  const needs = filter.needs ?? [];
  if (needs.length === 0) return board.listPage({ ...query, limit, ...(cursor !== undefined && { cursor }) });
  const items: Task[] = [];
  let next = cursor;
  for (;;) {
    const page = await board.listPage({ ...query, limit, ...(next !== undefined && { cursor: next }) });
    for (const task of page.items) {
      if (!needs.every((n) => task.needs.includes(n))) continue;
      if (items.length === limit) return { items, nextCursor: taskCursor(items[items.length - 1] as Task) };
      items.push(task);
    }
    if (page.nextCursor === null) return { items, nextCursor: null };
    next = page.nextCursor;
  }
}

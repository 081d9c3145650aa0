/**
 * Pages of tasks and events as `{"items":[…],"next_cursor":…}`: fetch limit + 1, and the
 * cursor (opaque to clients) says where the next page starts; null when there is none.
 * Events page by seq, a true keyset. Tasks page by position in the board's creation order
 * until the store offers a keyset over it (tasks are only ever appended to that order, so a
 * page never repeats or skips a task that stays in the filter).
 */
import { invalidInput } from "../core/errors.js";
import type { Board } from "../board.js";
import type { BoardEvent, Task, TaskStatus } from "../core/task.js";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

function encode(position: number): string {
  return Buffer.from(JSON.stringify({ p: position })).toString("base64url");
}

function decode(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  try {
    const { p } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { p?: unknown };
    if (typeof p === "number" && Number.isSafeInteger(p) && p >= 0) return p;
  } catch {
    // fall through to the refusal
  }
  throw invalidInput(`invalid cursor ${JSON.stringify(cursor)}: pass next_cursor from the previous page as it was`);
}

export interface TaskFilter {
  statuses?: TaskStatus[];
  agent?: string;
  text?: string;
  /** Only tasks that need every one of these capabilities. */
  needs?: string[];
}

export async function taskPage(board: Board, filter: TaskFilter, cursor: string | undefined, limit: number): Promise<Page<Task>> {
  let position = decode(cursor);
  const items: Task[] = [];
  const needs = filter.needs ?? [];
  // With a needs filter the store cannot count for us: read on until the page is full.
  for (;;) {
    const chunk = await board.list({
      ...(filter.statuses && { status: filter.statuses }),
      ...(filter.agent !== undefined && { agent: filter.agent }),
      ...(filter.text !== undefined && { text: filter.text }),
      limit: limit + 1,
      offset: position,
    });
    for (const task of chunk.slice(0, limit + 1)) {
      if (needs.every((n) => task.needs.includes(n))) {
        if (items.length === limit) return { items, next_cursor: encode(position) };
        items.push(task);
      }
      position++;
    }
    if (chunk.length <= limit) return { items, next_cursor: null };
  }
}

export interface EventFilter {
  taskId?: string;
  agent?: string;
  type?: BoardEvent["type"];
}

/** Events after `cursor` (a seq, as a string; 0 or none: from the first). */
export async function eventPage(board: Board, filter: EventFilter, after: number, limit: number): Promise<Page<BoardEvent>> {
  const events = await board.audit({
    ...(filter.taskId !== undefined && { taskId: filter.taskId }),
    ...(filter.agent !== undefined && { agent: filter.agent }),
    ...(filter.type !== undefined && { type: filter.type }),
    afterSeq: after,
    limit: limit + 1,
  });
  const items = events.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: events.length > limit && last ? String(last.seq) : null };
}

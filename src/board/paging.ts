/**
 * Paging, once for every face (CLI, MCP, HTTP): keyset pages of limit + 1 rows (the extra row
 * says whether another page exists without counting the board) and opaque cursors that hold
 * the sort key of a page's last item, never an offset. A task inserted or finished between
 * two pages therefore never makes the next page repeat or skip one: the next page starts
 * strictly after the last key seen (test/conformance/paging.ts proves it on every store).
 *
 * A cursor is base64url of a small JSON array: the list it belongs to, then the key.
 *   tasks  ["tasks", created_at, id]                   list order (the Store's listTasks)
 *   ready  ["ready", reserved 0|1, priority rank, created_at, id]   claim order
 *   events ["events", seq]                              audit order
 * Callers must treat it as opaque; its format may change (a bad one is INVALID_INPUT).
 */
import { invalidInput } from "../core/errors.js";
import { claimKeyOf, idOrderKey } from "../core/selection.js";
import { parseInput, positiveIntSchema } from "../core/validation.js";
import type { ClaimKey } from "../core/selection.js";
import type { BoardEvent, Task } from "../core/task.js";
import type { TaskKey } from "../store/store.js";

export { claimKeyOf, compareClaimKeys } from "../core/selection.js";
export type { ClaimKey } from "../core/selection.js";

/** One page of a list: its items and the cursor of the next page (null: this is the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** How many items a page holds when the caller names no limit. */
export const PAGE_DEFAULT = 100;
/** The most one page may hold: a face streams beyond this page by page. */
export const PAGE_MAX = 10_000;

export const CursorKind = { tasks: "tasks", ready: "ready", events: "events" } as const;
export type CursorKind = (typeof CursorKind)[keyof typeof CursorKind];


/** A page's size: the caller's limit, checked, or PAGE_DEFAULT. */
export function pageLimit(limit: number | undefined): number {
  return limit === undefined ? PAGE_DEFAULT : parseInput(positiveIntSchema("limit", PAGE_MAX), limit, "limit");
}

/**
 * The page of `rows` fetched with `limit + 1`: at most `limit` items, and the cursor of the
 * last one when the extra row shows that more follow.
 */
export function toPage<T>(rows: readonly T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

export const taskCursor = (task: TaskKey): string => encode([CursorKind.tasks, task.createdAt, task.id]);

export const readyCursor = (key: ClaimKey): string =>
  encode([CursorKind.ready, key.reserved, key.rank, key.createdAt, key.id]);

export const eventCursor = (event: Pick<BoardEvent, "seq">): string => encode([CursorKind.events, event.seq]);

/**
 * `tasks` in claim order (compareForClaim's order), each key computed once: sorting 450k
 * ready tasks with compareForClaim recomputed the ids' order keys on every comparison.
 */
export function sortForClaim(tasks: readonly Task[], agentId: string | undefined): Task[] {
  const keyed = tasks.map((task) => ({ task, key: claimKeyOf(task, agentId), order: idOrderKey(task.id) }));
  keyed.sort(
    (a, b) =>
      a.key.reserved - b.key.reserved ||
      a.key.rank - b.key.rank ||
      (a.key.createdAt < b.key.createdAt ? -1 : a.key.createdAt > b.key.createdAt ? 1 : 0) ||
      (a.order < b.order ? -1 : a.order > b.order ? 1 : 0),
  );
  return keyed.map((k) => k.task);
}

export function parseTaskCursor(cursor: string): TaskKey {
  const [createdAt, id] = decode(cursor, CursorKind.tasks, 2);
  if (!isTimestamp(createdAt) || !isId(id)) throw badCursor(CursorKind.tasks);
  return { createdAt, id };
}

export function parseReadyCursor(cursor: string): ClaimKey {
  const [reserved, rank, createdAt, id] = decode(cursor, CursorKind.ready, 4);
  if ((reserved !== 0 && reserved !== 1) || !Number.isInteger(rank) || !isTimestamp(createdAt) || !isId(id)) {
    throw badCursor(CursorKind.ready);
  }
  return { reserved, rank: rank as number, createdAt, id };
}

/** The seq the next page starts after. */
export function parseEventCursor(cursor: string): number {
  const [seq] = decode(cursor, CursorKind.events, 1);
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) throw badCursor(CursorKind.events);
  return seq;
}

function encode(parts: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(parts), "utf8").toString("base64url");
}

/** Cursors are short: a key of a timestamp and an id (ids are at most 200 characters). */
const CURSOR_MAX_CHARS = 1_000;

function decode(cursor: string, kind: CursorKind, arity: number): unknown[] {
  if (typeof cursor !== "string" || cursor.length === 0 || cursor.length > CURSOR_MAX_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw badCursor(kind);
  }
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badCursor(kind);
  }
  if (!Array.isArray(parts)) throw badCursor(kind);
  if (parts[0] !== kind && Object.values(CursorKind).includes(parts[0] as CursorKind)) {
    throw invalidInput(
      `this cursor belongs to another list (${String(parts[0])}, not ${kind}): pass the next_cursor this list gave`,
      { cursor: cursor.slice(0, 100) },
    );
  }
  if (parts[0] !== kind || parts.length !== arity + 1) throw badCursor(kind);
  return parts.slice(1);
}

function badCursor(kind: CursorKind) {
  return invalidInput(
    `not a cursor of the ${kind} list: pass the next_cursor of the previous page unchanged, or omit it for the first page`,
  );
}

const isTimestamp = (v: unknown): v is string => typeof v === "string" && v.length <= 40 && !Number.isNaN(Date.parse(v));
const isId = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 200;

/**
 * What a route is: a method, a path, the role it needs, and a function from the request (as
 * plain values: the board, who asks, params, query, body, If-Match) to an answer. Routes know
 * nothing of Hono; src/http/app.ts turns the table into one.
 */
import { invalidInput } from "../core/errors.js";
import { parseInput } from "../core/validation.js";
import { taskToWire } from "../core/wire-shape.js";
import { HttpCode, HttpRefusal } from "./errors.js";
import type { Board } from "../board.js";
import type { Task } from "../core/task.js";
import type { Identity, Role } from "./auth.js";
import type { EventFanout } from "./event-fanout.js";
import type { GroupCommitCounts } from "../store/group-commit.js";
import type { Query } from "./input.js";
import type * as z from "zod/mini";

/** On every answer, JSON or not (the app's and the stream's). */
export const SECURITY_HEADERS = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" } as const;

export interface StreamOptions {
  /** Milliseconds between heartbeat comments (default 15 s; tests pass less). */
  heartbeatMs: number;
  /** Events a client may fall behind by before it is told to resync instead. */
  resyncAfter: number;
  /** Events buffered per client before it reads from the audit trail instead. */
  maxQueued: number;
}

export interface RouteDeps {
  board: Board;
  events: EventFanout;
  stream: StreamOptions;
  /** serve's group commit so far, over all its writers (GET /api/health); absent elsewhere. */
  groupCommitCounts?: () => Promise<GroupCommitCounts>;
}

export interface RouteContext extends RouteDeps {
  identity: Identity;
  params: Record<string, string>;
  query: Query;
  headers: (name: string) => string | undefined;
  /** The JSON body ({} when empty), parsed with `schema`. */
  body<S extends z.ZodMiniType>(schema: S, what: string): Promise<z.output<S>>;
  /** The raw JSON body ({} when empty). */
  json(): Promise<unknown>;
  signal: AbortSignal;
}

export interface JsonAnswer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Answer = JsonAnswer | Response;

export interface Route {
  method: "GET" | "POST" | "PATCH";
  path: string;
  access: Role;
  run(ctx: RouteContext): Promise<Answer>;
}

/** A task answer: the wire shape, with its version as the ETag. */
export function taskAnswer(task: Task, status = 200): JsonAnswer {
  return { status, body: taskToWire(task), headers: { etag: etagOf(task.version) } };
}

export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The version an If-Match names: `"7"` (what ETag gave), `W/"7"` or `7`; `*` means any
 * version. A person's edit without one is refused (428): no silent overwrite.
 */
export function requiredVersion(ctx: RouteContext): number | undefined {
  const header = ctx.headers("if-match");
  if (header === undefined || header.trim() === "") {
    throw new HttpRefusal(
      HttpCode.PRECONDITION_REQUIRED,
      'this edit needs an If-Match header with the task version it was made against (the ETag of GET /api/tasks/:id, e.g. If-Match: "3"), or If-Match: * to edit whatever the task is now',
    );
  }
  const value = header.trim();
  if (value === "*") return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value);
  if (!match) throw invalidInput(`invalid If-Match ${JSON.stringify(value)}: give one task version, like If-Match: "3"`);
  return Number(match[1]);
}

export function param(ctx: RouteContext, name: string): string {
  return ctx.params[name] ?? "";
}

export { parseInput };

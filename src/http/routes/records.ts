/** Ids, agents, the audit trail, counts, health and who is asking. */
import { agentActivityToWire, eventToWire } from "../../core/wire-shape.js";
import { agentIdSchema, checkQuery, eventTypeParam, intParam, reservationBody, taskIdSchema } from "../input.js";
import { pageToWire } from "../../core/wire-shape.js";
import { DEFAULT_LIMIT, MAX_LIMIT, eventCursor } from "../paging.js";
import { parseInput } from "../route.js";
import type { BoardEvent } from "../../core/task.js";
import type { Query } from "../input.js";
import type { Route } from "../route.js";

export interface EventFilter {
  taskId?: string;
  agent?: string;
  type?: BoardEvent["type"];
}

/** The filters /api/events and /api/events/stream share: task, agent, type. */
export function eventFilter(query: Query): EventFilter {
  const type = eventTypeParam(query.type);
  return {
    ...(query.task !== undefined && { taskId: parseInput(taskIdSchema, query.task, "task") }),
    ...(query.agent !== undefined && { agent: parseInput(agentIdSchema, query.agent, "agent") }),
    ...(type !== undefined && { type }),
  };
}

export const recordRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/reservations",
    access: "write",
    async run(ctx) {
      const { prefix, count } = await ctx.body(reservationBody, "reservation");
      return { status: 201, body: await ctx.board.reserve(prefix, count ?? 1, { agent: ctx.identity.name }) };
    },
  },
  {
    method: "GET",
    path: "/api/agents",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, []);
      return { body: { items: (await ctx.board.activity()).map(agentActivityToWire), next_cursor: null } };
    },
  },
  {
    method: "GET",
    path: "/api/events",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, ["task", "agent", "type", "after", "cursor", "limit"]);
      // `after=SEQ` starts after a seq the client knows (an SSE id); `cursor` continues a page.
      const after = intParam("after", ctx.query.after, 0, Number.MAX_SAFE_INTEGER);
      const cursor = ctx.query.cursor ?? (after === undefined ? undefined : eventCursor({ seq: after }));
      const page = await ctx.board.auditPage({
        ...eventFilter(ctx.query),
        limit: intParam("limit", ctx.query.limit, 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
        ...(cursor !== undefined && { cursor }),
      });
      return { body: pageToWire(page, eventToWire) };
    },
  },
  {
    method: "GET",
    path: "/api/stats",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, []);
      return { body: { counts: await ctx.board.stats() } };
    },
  },
  {
    method: "GET",
    path: "/api/health",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, []);
      const [last] = await ctx.board.audit({ recent: 1 });
      // Behind `baton serve`: how many store transactions carried how many writes.
      const grouped = ctx.groupCommitCounts ? { group_commit: await ctx.groupCommitCounts() } : {};
      return { body: { status: "ok", store: ctx.board.store.kind, last_seq: last?.seq ?? 0, ...grouped } };
    },
  },
  {
    method: "GET",
    path: "/api/session",
    access: "read",
    async run(ctx) {
      return { body: { name: ctx.identity.name, role: ctx.identity.role } };
    },
  },
];

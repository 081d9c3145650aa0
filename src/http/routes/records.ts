/** Ids, agents, the audit trail, counts, health and who is asking. */
import { agentToWire, eventToWire } from "../../core/wire-shape.js";
import { agentIdSchema, checkQuery, eventTypeParam, intParam, reservationBody, taskIdSchema } from "../input.js";
import { DEFAULT_LIMIT, MAX_LIMIT, eventPage } from "../paging.js";
import { parseInput } from "../route.js";
import type { EventFilter } from "../paging.js";
import type { Query } from "../input.js";
import type { Route } from "../route.js";

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
      return { body: { items: (await ctx.board.agents()).map(agentToWire), next_cursor: null } };
    },
  },
  {
    method: "GET",
    path: "/api/events",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, ["task", "agent", "type", "after", "cursor", "limit"]);
      const after = intParam("after", ctx.query.cursor ?? ctx.query.after, 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const limit = intParam("limit", ctx.query.limit, 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
      const page = await eventPage(ctx.board, eventFilter(ctx.query), after, limit);
      return { body: { items: page.items.map(eventToWire), next_cursor: page.next_cursor } };
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
      return { body: { status: "ok", store: ctx.board.store.kind, last_seq: last?.seq ?? 0 } };
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

/** Tools over the board's records: id counters and the audit trail. */
import * as z from "zod/mini";
import { agentIdSchema, eventTypeSchema, nonNegativeIntSchema, prefixSchema, taskIdSchema } from "../../core/validation.js";
import { Detail, eventShape } from "../shape.js";
import { PAGE_DEFAULT, READ_ONLY, WRITES, agentArg, arg, defineTool, detailArg, limitArg, optionalArg } from "../tool.js";
import type { EventType } from "../../core/task.js";

export const reserveIds = defineTool({
  name: "reserve_ids",
  title: "Reserve task ids",
  description:
    "Get fresh ids atomically (no other agent will ever get them), e.g. to create tasks that depend on each other, or to " +
    'name work before it is on the board. Returns {"ids":["SEC-20","SEC-21"],"reservedAt":"…"}. ' +
    "Refusals: INVALID_INPUT (malformed prefix, or one this board does not allow).",
  input: z.strictObject({
    prefix: arg(prefixSchema, "id prefix, e.g. SEC gives SEC-20"),
    count: z
      ._default(z.int().check(z.gte(1, "reserve at least 1 id"), z.lte(1000, "reserve at most 1000 ids per call")), 1)
      .check(z.describe("how many ids (default 1)")),
    agent: agentArg,
  }),
  annotations: WRITES,
  async run(args, { board, session }) {
    const reservation = await board.reserve(args.prefix, args.count, session.optionalAgent(args.agent));
    return { ids: reservation.ids, reservedAt: reservation.reservedAt };
  },
});

export const auditEvents = defineTool({
  name: "audit_events",
  title: "Read the audit trail",
  description:
    `Events of the append-only audit trail (created, claimed, heartbeat, completed, failed, timeout…), oldest first, ${PAGE_DEFAULT} per page. ` +
    "Without after_seq: the most recent events (earlier: true when older ones exist). With after_seq: the events after that seq; " +
    "when more follow, pass next_after_seq as after_seq. Filter by task_id, agent, type or types (any of them), errors, since/until. " +
    'detail "full" adds each event\'s data (the fields the change set).',
  input: z.strictObject({
    task_id: optionalArg(taskIdSchema, "only this task's events"),
    agent: optionalArg(agentIdSchema, "only events by this agent"),
    type: optionalArg(eventTypeSchema, "only this event type, e.g. COMPLETED"),
    types: optionalArg(z.array(eventTypeSchema), 'only events of any of these types, e.g. ["FAILED","TIMEOUT"]'),
    errors: optionalArg(z.boolean(), "only error events: FAILED, TIMEOUT, POISON_PILL, LOCK_BROKEN, AGENT_DEAD"),
    since: optionalArg(z.string(), "only events at or after this ISO 8601 time, e.g. 2026-03-01T12:00:00Z"),
    until: optionalArg(z.string(), "only events before this ISO 8601 time"),
    after_seq: optionalArg(nonNegativeIntSchema("after_seq"), "page forward from this seq (0: from the start)"),
    limit: limitArg,
    detail: detailArg(Detail.compact),
  }),
  annotations: READ_ONLY,
  async run(args, { board }) {
    const filter = {
      ...(args.task_id !== undefined && { taskId: args.task_id }),
      ...(args.agent !== undefined && { agent: args.agent }),
      ...((args.type !== undefined || args.types !== undefined) && {
        type: [...(args.type === undefined ? [] : [args.type]), ...(args.types ?? [])] as EventType[],
      }),
      ...(args.errors !== undefined && { errors: args.errors }),
      ...(args.since !== undefined && { since: args.since }),
      ...(args.until !== undefined && { until: args.until }),
    };
    // One extra event tells whether another page exists.
    if (args.after_seq === undefined) {
      const recent = await board.audit({ ...filter, recent: args.limit + 1 });
      const earlier = recent.length > args.limit;
      const events = (earlier ? recent.slice(1) : recent).map((e) => eventShape(e, args.detail));
      return { events, earlier };
    }
    const page = await board.audit({ ...filter, afterSeq: args.after_seq, limit: args.limit + 1 });
    const events = page.slice(0, args.limit);
    const more = page.length > args.limit;
    return {
      events: events.map((e) => eventShape(e, args.detail)),
      more,
      ...(more && { next_after_seq: events[events.length - 1]?.seq }),
    };
  },
});

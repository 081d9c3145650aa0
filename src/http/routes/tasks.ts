/** Creating, reading and editing tasks; edits by people are version-checked (If-Match). */
import { ErrorCode, isBatonError } from "../../core/errors.js";
import { pageToWire, taskToWire } from "../../core/wire-shape.js";
import { errorAnswer } from "../errors.js";
import {
  agentIdSchema,
  assignBody,
  cancelBody,
  capabilitySchema,
  checkQuery,
  emptyBody,
  intParam,
  listParam,
  newTaskInput,
  statusesParam,
  taskPatch,
} from "../input.js";
import { DEFAULT_LIMIT, MAX_LIMIT, taskPage } from "../paging.js";
import { param, parseInput, requiredVersion, taskAnswer } from "../route.js";
import type { Task } from "../../core/task.js";
import type { Answer, Route, RouteContext } from "../route.js";

/**
 * Runs a person's edit against the If-Match version; a stale one is 412 with the task as it is
 * now, so the person sees what changed before deciding again.
 */
async function versionChecked(
  ctx: RouteContext,
  edit: (by: { agent: string; expectedVersion?: number }) => Promise<Task>,
): Promise<Answer> {
  const expectedVersion = requiredVersion(ctx);
  const by = { agent: ctx.identity.name, ...(expectedVersion !== undefined && { expectedVersion }) };
  try {
    return taskAnswer(await edit(by));
  } catch (error) {
    if (!isBatonError(error) || error.code !== ErrorCode.VERSION_MISMATCH) throw error;
    const current = await ctx.board.get(param(ctx, "id"));
    const answer = errorAnswer(error.code, error.message);
    return {
      status: answer.status,
      body: { ...answer.body, current: taskToWire(current) },
      headers: { ...answer.headers, etag: `"${current.version}"` },
    };
  }
}

export const taskRoutes: Route[] = [
  {
    method: "GET",
    path: "/api/tasks",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, ["status", "agent", "q", "needs", "priority", "depends_on", "cursor", "limit"]);
      const q = ctx.query;
      const statuses = statusesParam(q.status);
      const needs = listParam(q.needs, capabilitySchema, "needs");
      const page = await taskPage(
        ctx.board,
        {
          ...(statuses && { statuses }),
          ...(q.agent !== undefined && { agent: parseInput(agentIdSchema, q.agent, "agent") }),
          ...(q.q !== undefined && { text: q.q }),
          ...(q.priority !== undefined && { priority: q.priority }),
          ...(q.depends_on !== undefined && { dependsOn: q.depends_on }),
          ...(needs && { needs }),
        },
        q.cursor,
        intParam("limit", q.limit, 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
      );
      return { body: pageToWire(page, taskToWire) };
    },
  },
  {
    method: "POST",
    path: "/api/tasks",
    access: "write",
    async run(ctx) {
      const body = await ctx.json();
      if (Array.isArray(body)) {
        const tasks = await ctx.board.addMany(body.map(newTaskInput), { agent: ctx.identity.name });
        return { status: 201, body: { items: tasks.map(taskToWire), next_cursor: null } };
      }
      return taskAnswer(await ctx.board.add(newTaskInput(body), { agent: ctx.identity.name }), 201);
    },
  },
  {
    method: "GET",
    path: "/api/tasks/:id",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, []);
      return taskAnswer(await ctx.board.get(param(ctx, "id")));
    },
  },
  {
    method: "PATCH",
    path: "/api/tasks/:id",
    access: "write",
    async run(ctx) {
      const patch = taskPatch(await ctx.json());
      return versionChecked(ctx, (by) => ctx.board.update(param(ctx, "id"), patch, by));
    },
  },
  {
    method: "POST",
    path: "/api/tasks/:id/cancel",
    access: "write",
    async run(ctx) {
      const { reason } = await ctx.body(cancelBody, "cancel");
      return versionChecked(ctx, (by) => ctx.board.cancel(param(ctx, "id"), { ...by, ...(reason && { reason }) }));
    },
  },
  {
    method: "POST",
    path: "/api/tasks/:id/revive",
    access: "write",
    async run(ctx) {
      await ctx.body(emptyBody, "revive");
      return versionChecked(ctx, (by) => ctx.board.revive(param(ctx, "id"), by));
    },
  },
  {
    method: "POST",
    path: "/api/tasks/:id/assign",
    access: "write",
    async run(ctx) {
      const { agent } = await ctx.body(assignBody, "assign");
      return versionChecked(ctx, (by) => ctx.board.assign(param(ctx, "id"), agent, by));
    },
  },
];

export { versionChecked };

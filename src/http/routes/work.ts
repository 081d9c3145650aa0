/**
 * An agent's work over HTTP: claim, heartbeat, complete, fail, release, fenced by the lease
 * token like any other face. An HTTP client that disappears is an agent whose lease expires.
 * A release without a token or agent is a person taking the task back: version-checked.
 */
import { taskToWire } from "../../core/wire-shape.js";
import { claimOptions, completeBody, failBody, heartbeatBody, nextClaimOptions, releaseBody } from "../input.js";
import { param, taskAnswer } from "../route.js";
import { versionChecked } from "./tasks.js";
import type { Claim } from "../../board.js";
import type { Route } from "../route.js";

const claimWire = (claim: Claim): Record<string, unknown> => ({ task: taskToWire(claim.task), lease_token: claim.leaseToken });

export const workRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/claims",
    access: "write",
    async run(ctx) {
      const options = claimOptions(await ctx.json());
      if (options.ids && options.ids.length > 1) {
        const claims = await ctx.board.claimBatch({ ...options, ids: options.ids });
        return { body: { claims: claims.map(claimWire) } };
      }
      const claim = await ctx.board.claim(options);
      return { body: claimWire(claim), headers: { etag: `"${claim.task.version}"` } };
    },
  },
  {
    method: "POST",
    path: "/api/tasks/:id/heartbeat",
    access: "write",
    async run(ctx) {
      const b = await ctx.body(heartbeatBody, "heartbeat");
      return taskAnswer(
        await ctx.board.heartbeat(param(ctx, "id"), {
          token: b.token,
          agent: b.agent,
          ...(b.lease_seconds !== undefined && { leaseSeconds: b.lease_seconds }),
          ...(b.note !== undefined && { note: b.note }),
        }),
      );
    },
  },
  {
    method: "POST",
    path: "/api/tasks/:id/complete",
    access: "write",
    async run(ctx) {
      const b = await ctx.body(completeBody, "complete");
      const credential = { token: b.token, agent: b.agent, ...(b.result !== undefined && { result: b.result }) };
      if (b.claim_next === undefined) return taskAnswer(await ctx.board.complete(param(ctx, "id"), credential));
      // An agent's loop in one request: the completion and the next claim, each its own operation.
      const done = await ctx.board.completeAndClaimNext(param(ctx, "id"), credential, nextClaimOptions(b.claim_next));
      return { body: { completed: taskToWire(done.completed), next: done.next && claimWire(done.next) } };
    },
  },
  {
    method: "POST",
    path: "/api/tasks/:id/fail",
    access: "write",
    async run(ctx) {
      const b = await ctx.body(failBody, "fail");
      return taskAnswer(await ctx.board.fail(param(ctx, "id"), { token: b.token, agent: b.agent, error: b.error }));
    },
  },
  {
    method: "POST",
    path: "/api/tasks/:id/release",
    access: "write",
    async run(ctx) {
      const b = await ctx.body(releaseBody, "release");
      const reason = b.reason === undefined ? {} : { reason: b.reason };
      if (b.token !== undefined || b.agent !== undefined) {
        return taskAnswer(await ctx.board.release(param(ctx, "id"), { token: b.token, agent: b.agent, ...reason }));
      }
      return versionChecked(ctx, (by) =>
        by.expectedVersion === undefined
          ? ctx.board.get(param(ctx, "id")).then((task) =>
              ctx.board.releaseHeld(param(ctx, "id"), { ...by, expectedVersion: task.version, ...reason }),
            )
          : ctx.board.releaseHeld(param(ctx, "id"), { ...by, expectedVersion: by.expectedVersion, ...reason }),
      );
    },
  },
];

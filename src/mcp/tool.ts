/**
 * A baton tool: a name, a description written for a model, a zod input schema (published to
 * the client as JSON Schema, and parsed with the board's own `parseInput`, so bad input is an
 * INVALID_INPUT refusal like everywhere else), and the call into the board.
 * zod/mini, like src/core/validation.ts, so the tools reuse the core's schemas.
 */
import * as z from "zod/mini";
import { Detail } from "./shape.js";
import { agentIdSchema, leaseSecondsSchema, positiveIntSchema } from "../core/validation.js";
import type { Board } from "../board.js";
import type { Session } from "./session.js";
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";

export interface ToolContext {
  board: Board;
  session: Session;
}

export interface BatonTool {
  name: string;
  title: string;
  description: string;
  input: z.ZodMiniType;
  annotations: ToolAnnotations;
  run(args: unknown, context: ToolContext): Promise<Record<string, unknown>>;
}

export function defineTool<S extends z.ZodMiniType>(tool: {
  name: string;
  title: string;
  description: string;
  input: S;
  annotations: ToolAnnotations;
  run(args: z.output<S>, context: ToolContext): Promise<Record<string, unknown>>;
}): BatonTool {
  return { ...tool, run: (args, context) => tool.run(args as z.output<S>, context) };
}

/** A required argument, with what the model should put in it. */
export function arg<S extends z.ZodMiniType>(schema: S, description: string): S {
  return schema.check(z.describe(description));
}

/** An optional argument, with what the model should put in it. */
export function optionalArg<S extends z.ZodMiniType>(schema: S, description: string): z.ZodMiniOptional<S> {
  return z.optional(schema).check(z.describe(description));
}

export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
export const WRITES: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
export const IDEMPOTENT_WRITE: ToolAnnotations = { ...WRITES, idempotentHint: true };

// ── arguments several tools share ───────────────────────────────────────────────────────────

export const agentArg = optionalArg(agentIdSchema, "your agent id; omit to use the server's --agent / BATON_AGENT");

export const detailArg = (fallback: Detail) =>
  z._default(z.enum([Detail.compact, Detail.full]), fallback).check(
    z.describe(
      fallback === Detail.compact
        ? '"compact" (default: id, title, status, priority, assigned_to, dependencies) or "full" (every field, with description and result)'
        : '"full" (default: every field) or "compact" (id, title, status, priority, assigned_to)',
    ),
  );

export const PAGE_DEFAULT = 20;
export const PAGE_MAX = 100;

export const limitArg = z
  ._default(
    z.int().check(
      z.gte(1, "limit must be at least 1"),
      z.lte(PAGE_MAX, `a page holds at most ${PAGE_MAX} items; page with the cursor instead`),
    ),
    PAGE_DEFAULT,
  )
  .check(z.describe(`page size, 1-${PAGE_MAX} (default ${PAGE_DEFAULT})`));

export const leaseTokenArg = optionalArg(
  positiveIntSchema("a lease token"),
  "the lease_token from your claim; usually omit it: this server remembers the tokens of its session",
);

export const leaseSecondsArg = optionalArg(
  leaseSecondsSchema,
  "lease length in seconds (default: the board's, 15 minutes); the server heartbeats it while this session is open",
);

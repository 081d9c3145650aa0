/**
 * Validation at the boundary: every face parses its input with these zod schemas once, then
 * the board trusts typed values. Messages name the problem and the fix.
 */
import { z } from "zod";
import { BatonError, ErrorCode } from "./errors.js";
import { PRIORITIES, TASK_STATUSES, EVENT_TYPES } from "./task.js";
import type { Priority } from "./task.js";

/** SPEC §1: an id never builds a path without this check. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;
export const CAPABILITY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const taskIdSchema = z
  .string()
  .regex(
    TASK_ID_PATTERN,
    "a task id is 1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
  );
export const prefixSchema = z
  .string()
  .regex(PREFIX_PATTERN, "a prefix is 1-32 letters, digits or '_', starting with a letter (e.g. SEC)");
export const agentIdSchema = z
  .string()
  .regex(
    AGENT_ID_PATTERN,
    "an agent id is 1-128 characters: letters, digits, '.', '_', '@', ':' or '-'",
  );
export const capabilitySchema = z
  .string()
  .regex(CAPABILITY_PATTERN, "a capability is a word of letters, digits, '.', '_' or '-'");
export const prioritySchema = z.enum(PRIORITIES as [Priority, ...Priority[]], {
  error: `priority must be one of: ${PRIORITIES.join(", ")}`,
});
export const statusSchema = z.enum(TASK_STATUSES as [string, ...string[]], {
  error: `status must be one of: ${TASK_STATUSES.join(", ")}`,
});
export const eventTypeSchema = z.enum(EVENT_TYPES as [string, ...string[]], {
  error: `event type must be one of: ${EVENT_TYPES.join(", ")}`,
});
export const titleSchema = z
  .string()
  .trim()
  .min(1, "a task needs a non-empty title")
  .max(500, "a title is at most 500 characters; put the rest in --description");
export const metadataSchema = z.record(z.string(), z.unknown());
const positiveSeconds = z.number().positive().max(365 * 24 * 3600);

export const newTaskSchema = z
  .object({
    title: titleSchema,
    description: z.string().max(100_000).default(""),
    metadata: metadataSchema.default({}),
    priority: prioritySchema.default("medium"),
    needs: z.array(capabilitySchema).default([]),
    dependsOn: z.array(taskIdSchema).default([]),
    id: taskIdSchema.optional(),
    prefix: prefixSchema.optional(),
    assignedTo: agentIdSchema.nullable().optional(),
    maxAttempts: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .refine((t) => !(t.id && t.prefix), { message: "give either an id or a prefix, not both" });
export type NewTaskInput = z.input<typeof newTaskSchema>;
export type NewTask = z.output<typeof newTaskSchema>;

export const taskPatchSchema = z
  .object({
    title: titleSchema.optional(),
    description: z.string().max(100_000).optional(),
    metadata: metadataSchema.optional(),
    priority: prioritySchema.optional(),
    needs: z.array(capabilitySchema).optional(),
    dependsOn: z.array(taskIdSchema).optional(),
    maxAttempts: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: "nothing to update: give at least one field" });
export type TaskPatch = z.output<typeof taskPatchSchema>;

export const claimOptionsSchema = z
  .object({
    agent: agentIdSchema,
    ids: z.array(taskIdSchema).optional(),
    capabilities: z.array(capabilitySchema).optional(),
    leaseSeconds: positiveSeconds.optional(),
  })
  .strict();
export type ClaimOptions = z.input<typeof claimOptionsSchema>;

/** A holder proves itself with its fencing token, or (without one) by being the holder. */
export const credentialSchema = z
  .object({
    token: z.number().int().positive().optional(),
    agent: agentIdSchema.optional(),
  })
  .strict()
  .refine((c) => c.token !== undefined || c.agent !== undefined, {
    message: "say who you are: give the lease token (--token) or the agent id (--agent / BATON_AGENT)",
  });
export type Credential = z.output<typeof credentialSchema>;

/** Parse with a schema; a failure becomes one INVALID_INPUT naming every problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return `${where}${issue.message}`;
  });
  throw new BatonError(ErrorCode.INVALID_INPUT, `invalid ${what}: ${problems.join("; ")}`, {
    problems,
  });
}

export function checkTaskId(id: unknown): string {
  if (typeof id === "string" && TASK_ID_PATTERN.test(id)) return id;
  throw new BatonError(
    ErrorCode.INVALID_INPUT,
    `invalid task id ${JSON.stringify(id)}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
  );
}

export function checkAgentId(id: unknown): string {
  if (typeof id === "string" && AGENT_ID_PATTERN.test(id)) return id;
  throw new BatonError(
    ErrorCode.INVALID_INPUT,
    `invalid agent id ${JSON.stringify(id)}: use 1-128 letters, digits, '.', '_', '@', ':' or '-'`,
  );
}

export function checkPrefix(prefix: unknown, allowed?: readonly string[]): string {
  if (typeof prefix !== "string" || !PREFIX_PATTERN.test(prefix)) {
    throw new BatonError(
      ErrorCode.INVALID_INPUT,
      `invalid prefix ${JSON.stringify(prefix)}: use 1-32 letters, digits or '_', starting with a letter (e.g. SEC)`,
    );
  }
  if (allowed && allowed.length > 0 && !allowed.includes(prefix)) {
    throw new BatonError(
      ErrorCode.INVALID_INPUT,
      `invalid prefix "${prefix}": this board allows ${allowed.join(", ")}`,
      { allowed },
    );
  }
  return prefix;
}

/**
 * Validation at the boundary: every face parses its input with these zod schemas once, then
 * the board trusts typed values. Messages name the problem and the fix.
 *
 * zod/mini, not classic zod: the CLI parses its input on every call and agents call it
 * thousands of times; classic zod costs ~60 ms to load here, zod/mini (bundled) ~10 ms.
 */
import { METADATA_DEPTH_MESSAGE, metadataTooDeep } from "./limits.js";
import * as z from "zod/mini";
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
  .check(
    z.regex(
      TASK_ID_PATTERN,
      "a task id is 1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
    ),
  );
export const prefixSchema = z
  .string()
  .check(z.regex(PREFIX_PATTERN, "a prefix is 1-32 letters, digits or '_', starting with a letter (e.g. SEC)"));
export const agentIdSchema = z
  .string()
  .check(z.regex(AGENT_ID_PATTERN, "an agent id is 1-128 characters: letters, digits, '.', '_', '@', ':' or '-'"));
export const capabilitySchema = z
  .string()
  .check(z.regex(CAPABILITY_PATTERN, "a capability is a word of letters, digits, '.', '_' or '-'"));
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
  .check(
    z.trim(),
    z.minLength(1, "a task needs a non-empty title"),
    z.maxLength(500, "a title is at most 500 characters; put the rest in --description"),
  );
export const descriptionSchema = z.string().check(z.maxLength(100_000, "a description is at most 100,000 characters"));
/** A date or time a person types (2026-11-30, 2026-11-30T12:00Z) → ms since the epoch. */
export const isoDateSchema = z.pipe(
  z.string().check(z.refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && Number.isFinite(Date.parse(s)), "expected a date like 2026-11-30 or 2026-11-30T12:00:00Z")),
  z.transform((s: string) => Date.parse(s)),
);
export const noteSchema = z
  .string()
  .check(z.trim(), z.minLength(1, "say what to note (baton note ID TEXT)"), z.maxLength(10_000, "a note is at most 10,000 characters"));
/**
 * Any JSON object, kept exactly as given: the value itself passes, not a copy (a record schema
 * copies key by key, and assigning a "__proto__" key sets the copy's prototype instead: the
 * user's {"__proto__": …} was stored as {}).
 */
export const metadataSchema = z
  .unknown()
  .check(
    z.refine((value) => typeof value === "object" && value !== null && !Array.isArray(value), "metadata must be a JSON object"),
    z.refine((m) => !metadataTooDeep(m as Record<string, unknown>), { message: METADATA_DEPTH_MESSAGE }),
  ) as unknown as z.ZodMiniType<Record<string, unknown>>;
// What JSON Schema (MCP tool listings) says of it: an object with any properties.
z.globalRegistry.add(metadataSchema, { type: "object", additionalProperties: {} });
export const maxAttemptsSchema = z.int().check(z.gte(1, "max attempts must be at least 1"), z.lte(1000));
export const leaseSecondsSchema = z
  .number()
  .check(z.positive("a lease must be longer than 0 seconds"), z.lte(365 * 24 * 3600, "a lease is at most a year"));
export const positiveIntSchema = (what: string, max = Number.MAX_SAFE_INTEGER) =>
  z.int().check(z.gte(1, `${what} must be at least 1`), z.lte(max, `${what} must be at most ${max}`));
export const nonNegativeIntSchema = (what: string) => z.int().check(z.gte(0, `${what} must be 0 or more`));

export const newTaskSchema = z
  .strictObject({
    title: titleSchema,
    description: z._default(descriptionSchema, ""),
    metadata: z._default(metadataSchema, {}),
    priority: z._default(prioritySchema, "medium"),
    needs: z._default(z.array(capabilitySchema), []),
    dependsOn: z._default(z.array(taskIdSchema), []),
    id: z.optional(taskIdSchema),
    prefix: z.optional(prefixSchema),
    assignedTo: z.optional(z.nullable(agentIdSchema)),
    maxAttempts: z.optional(maxAttemptsSchema),
  })
  .check(z.refine((t) => !(t.id && t.prefix), { message: "give either an id or a prefix, not both" }));
export type NewTaskInput = z.input<typeof newTaskSchema>;
export type NewTask = z.output<typeof newTaskSchema>;

export const taskPatchSchema = z
  .strictObject({
    title: z.optional(titleSchema),
    description: z.optional(descriptionSchema),
    metadata: z.optional(metadataSchema),
    priority: z.optional(prioritySchema),
    needs: z.optional(z.array(capabilitySchema)),
    dependsOn: z.optional(z.array(taskIdSchema)),
    maxAttempts: z.optional(maxAttemptsSchema),
  })
  .check(z.refine((p) => Object.keys(p).length > 0, { message: "nothing to update: give at least one field" }));
export type TaskPatch = z.output<typeof taskPatchSchema>;

export const claimOptionsSchema = z.strictObject({
  agent: agentIdSchema,
  ids: z.optional(z.array(taskIdSchema)),
  capabilities: z.optional(z.array(capabilitySchema)),
  leaseSeconds: z.optional(leaseSecondsSchema),
  /** Only tasks of at least this priority (seed 002's `next AGENT HIGH`). */
  minPriority: z.optional(prioritySchema),
});
export type ClaimOptions = z.input<typeof claimOptionsSchema>;

/** A holder proves itself with its fencing token, or (without one) by being the holder. */
export const credentialSchema = z
  .strictObject({
    token: z.optional(positiveIntSchema("a lease token")),
    agent: z.optional(agentIdSchema),
  })
  .check(
    z.refine((c) => c.token !== undefined || c.agent !== undefined, {
      message: "say who you are: give the lease token (--token) or the agent id (--agent / BATON_AGENT)",
    }),
  );
export type Credential = z.output<typeof credentialSchema>;

/** Parse with a schema; a failure becomes one INVALID_INPUT naming every problem. */
export function parseInput<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.output<S> {
  // reportInput: each issue carries the value it refused, so the message can say what it got.
  // error: zod's own issues in our words, whatever locale is loaded (the MCP SDK loads classic
  // zod's English one: "Too big: expected number to be <=1000"); a check's own message wins.
  const parsed = schema.safeParse(value, { reportInput: true, error: issueText });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return `${where}${describeIssue(issue)}`;
  });
  throw new BatonError(ErrorCode.INVALID_INPUT, `invalid ${what}: ${problems.join("; ")}`, {
    problems,
  });
}

/** The issue, the limit or what was expected, and what was given instead. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const text = issue.message && issue.message !== "Invalid input" ? issue.message : issueText(issue);
  const got = issue.code === "unrecognized_keys" || !("input" in issue) ? undefined : gotText(issue, issue.input);
  return got === undefined ? text : `${text} (got ${got})`;
}

/**
 * zod/mini ships no locale, so its built-in issues say only "Invalid input": spell out each
 * kind, with its limit; our own checks carry their own messages.
 */
function issueText(issue: z.core.$ZodRawIssue | z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
    case "invalid_type":
      return `expected ${issue.expected === "int" ? "a whole number" : `a${/^[aeiou]/.test(issue.expected) ? "n" : ""} ${issue.expected}`}`;
    case "too_big":
      return `${issue.inclusive === false ? "less than" : "at most"} ${issue.maximum}${unitOf(issue.origin)}`;
    case "too_small":
      return `${issue.inclusive === false ? "more than" : "at least"} ${issue.minimum}${unitOf(issue.origin)}`;
    case "invalid_value":
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return issue.format === "regex" && "pattern" in issue ? `expected text matching ${String(issue.pattern)}` : `expected a ${issue.format}`;
    case "not_multiple_of":
      return `expected a multiple of ${issue.divisor}`;
    case "invalid_union":
      return "matches none of the accepted forms";
    default:
      return "invalid value";
  }
}

function unitOf(origin: string): string {
  if (origin === "string") return " characters";
  if (origin === "array" || origin === "set") return " items";
  return "";
}

/** What was given, short and safe to print: a length for a length limit, else the value. */
function gotText(issue: z.core.$ZodIssue, input: unknown): string | undefined {
  const lengthLimit = issue.code === "too_big" || issue.code === "too_small";
  // "a task needs a non-empty title (got 0)" says nothing more than the message itself.
  if (lengthLimit && (typeof input === "string" || Array.isArray(input)) && input.length === 0) return undefined;
  if (typeof input === "string") return lengthLimit ? `${input.length}` : quote(input);
  if (Array.isArray(input)) return lengthLimit ? `${input.length}` : "a list";
  if (typeof input === "number" || typeof input === "boolean" || typeof input === "bigint") return String(input);
  if (input === null) return "null";
  if (input === undefined) return "nothing";
  return typeof input === "object" ? "an object" : typeof input;
}

/** A string quoted with its control characters escaped, cut at 40 characters. */
function quote(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `'${JSON.stringify(cut).slice(1, -1)}'`;
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

/**
 * What HTTP clients send, in the wire shape (snake_case), parsed with the core's field schemas
 * into the library's inputs. Objects are strict: an unknown field is INVALID_INPUT naming it,
 * never ignored (a typo'd `priorty` must not look like a successful edit).
 */
import * as z from "zod/mini";
import { invalidInput } from "../core/errors.js";
import { newTaskFromWire, taskPatchFromWire } from "../core/wire-input.js";
import {
  agentIdSchema,
  capabilitySchema,
  descriptionSchema,
  eventTypeSchema,
  leaseSecondsSchema,
  maxAttemptsSchema,
  metadataSchema,
  parseInput,
  positiveIntSchema,
  prefixSchema,
  prioritySchema,
  statusSchema,
  taskIdSchema,
  titleSchema,
} from "../core/validation.js";
import type { ClaimOptions, NewTaskInput, TaskPatch } from "../core/validation.js";
import type { EventType, TaskStatus } from "../core/task.js";
import type { NextClaimOptions } from "../board/types.js";

const newTaskWire = z.strictObject({
  title: titleSchema,
  description: z.optional(descriptionSchema),
  metadata: z.optional(metadataSchema),
  priority: z.optional(prioritySchema),
  needs: z.optional(z.array(capabilitySchema)),
  depends_on: z.optional(z.array(taskIdSchema)),
  id: z.optional(taskIdSchema),
  prefix: z.optional(prefixSchema),
  assigned_to: z.optional(z.nullable(agentIdSchema)),
  max_attempts: z.optional(maxAttemptsSchema),
});

export function newTaskInput(body: unknown): NewTaskInput {
  const wire = parseInput(newTaskWire, body, "task");
  return defined(newTaskFromWire({ ...wire, assigned_to: wire.assigned_to ?? undefined })) as NewTaskInput;
}

const patchWire = z.strictObject({
  title: z.optional(titleSchema),
  description: z.optional(descriptionSchema),
  metadata: z.optional(metadataSchema),
  priority: z.optional(prioritySchema),
  needs: z.optional(z.array(capabilitySchema)),
  depends_on: z.optional(z.array(taskIdSchema)),
  max_attempts: z.optional(maxAttemptsSchema),
});

export function taskPatch(body: unknown): TaskPatch {
  return taskPatchFromWire(parseInput(patchWire, body, "update"));
}

const claimWire = z.strictObject({
  agent: agentIdSchema,
  ids: z.optional(z.array(taskIdSchema)),
  capabilities: z.optional(z.array(capabilitySchema)),
  lease_seconds: z.optional(leaseSecondsSchema),
});

export function claimOptions(body: unknown): ClaimOptions {
  const w = parseInput(claimWire, body, "claim");
  return defined({ agent: w.agent, ids: w.ids, capabilities: w.capabilities, leaseSeconds: w.lease_seconds }) as ClaimOptions;
}

const tokenSchema = z.optional(positiveIntSchema("a lease token"));

export const heartbeatBody = z.strictObject({
  token: tokenSchema,
  agent: z.optional(agentIdSchema),
  lease_seconds: z.optional(leaseSecondsSchema),
  note: z.optional(z.string().check(z.maxLength(10_000, "a note is at most 10,000 characters"))),
});
/** The claim a completion may ask for next (POST /api/tasks/:id/complete with `claim_next`). */
const claimNextWire = z.strictObject({
  agent: z.optional(agentIdSchema),
  capabilities: z.optional(z.array(capabilitySchema)),
  lease_seconds: z.optional(leaseSecondsSchema),
  min_priority: z.optional(prioritySchema),
});

export const completeBody = z.strictObject({
  token: tokenSchema,
  agent: z.optional(agentIdSchema),
  result: z.optional(z.string()),
  claim_next: z.optional(claimNextWire),
});

export function nextClaimOptions(w: z.output<typeof claimNextWire>): NextClaimOptions {
  return defined({ agent: w.agent, capabilities: w.capabilities, leaseSeconds: w.lease_seconds, minPriority: w.min_priority }) as NextClaimOptions;
}
export const failBody = z.strictObject({ token: tokenSchema, agent: z.optional(agentIdSchema), error: z.string() });
export const releaseBody = z.strictObject({
  token: tokenSchema,
  agent: z.optional(agentIdSchema),
  reason: z.optional(z.string().check(z.maxLength(10_000))),
});
export const cancelBody = z.strictObject({ reason: z.optional(z.string().check(z.maxLength(10_000))) });
export const emptyBody = z.strictObject({});
export const assignBody = z.strictObject({ agent: z.nullable(agentIdSchema) });
export const reservationBody = z.strictObject({
  prefix: prefixSchema,
  count: z.optional(positiveIntSchema("count", 10_000)),
});

// ── query strings ─────────────────────────────────────────────────────────────────────────

export type Query = Record<string, string>;

/** Refuses query parameters a route does not know, as bodies refuse unknown fields. */
export function checkQuery(query: Query, known: readonly string[]): void {
  const unknown = Object.keys(query).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw invalidInput(
      `unknown query parameter${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; this route takes ${known.join(", ") || "none"}`,
    );
  }
}

export function statusesParam(value: string | undefined): TaskStatus[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((s) => parseInput(statusSchema, s.trim(), "status") as TaskStatus);
}

export function listParam(value: string | undefined, schema: typeof capabilitySchema, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((s) => parseInput(schema, s.trim(), what));
}

export function eventTypeParam(value: string | undefined): EventType | undefined {
  return value === undefined ? undefined : (parseInput(eventTypeSchema, value, "event type") as EventType);
}

export function intParam(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw invalidInput(`invalid ${name} ${JSON.stringify(value)}: expected a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw invalidInput(`invalid ${name} ${value}: expected ${min} to ${max}`);
  return n;
}

export { agentIdSchema, capabilitySchema, taskIdSchema };

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

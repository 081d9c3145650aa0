/**
 * The board's tunable rules, resolved and validated in one place. Units are in the names.
 */
import * as z from "zod/mini";
import { parseInput, prefixSchema } from "./validation.js";

/** A claim's lease when the board's policy names none. */
export const DEFAULT_LEASE_SECONDS = 15 * 60;

const seconds = (what: string) => z.number().check(z.positive(`${what} must be more than 0 seconds`));

export const policySchema = z.strictObject({
  /** Lease given by a claim when the caller names none. */
  leaseSeconds: z._default(seconds("leaseSeconds"), DEFAULT_LEASE_SECONDS),
  maxAttempts: z._default(z.int().check(z.gte(1, "maxAttempts must be at least 1")), 3),
  /** Seed 002's schedule: 300 s, then ×2 each attempt. */
  retryBaseSeconds: z._default(z.number().check(z.gte(0, "retryBaseSeconds must be 0 or more")), 300),
  retryMultiplier: z._default(z.number().check(z.gte(1, "retryMultiplier must be at least 1")), 2),
  /** ± this fraction of the delay, so retries of a failed batch do not stampede together. */
  retryJitter: z._default(z.number().check(z.gte(0), z.lte(1, "retryJitter is a fraction from 0 to 1")), 0.1),
  /** An agent unseen for longer is dead; `heal` recovers its leases. */
  agentTimeoutSeconds: z._default(seconds("agentTimeoutSeconds"), 30 * 60),
  defaultPrefix: z._default(prefixSchema, "T"),
  /** `add --id` takes only ids reserved first (≤ their prefix's counter), as `inbox process` does. */
  requireReservedIds: z._default(z.boolean(), false),
  /**
   * seed 002's auto_reassign: a task that failed or timed out is reserved for another alive
   * agent with its needs (the least loaded), when there is one, so its retry goes elsewhere.
   */
  autoReassign: z._default(z.boolean(), false),
  /**
   * seed 002's timeout_seconds: the most time a task may stay in progress from its claim,
   * heartbeats included; its lease is never extended past it, and it then times out (TIMEOUT).
   */
  timeoutSeconds: z.optional(seconds("timeoutSeconds")),
  /** When set, `reserve` and new ids accept only these prefixes. */
  allowedPrefixes: z.optional(z.array(prefixSchema)),
  /**
   * How long a write waits for the store's lock before LOCK_TIMEOUT (SQLite's write lock, the
   * JSON store's tasks.lock, PostgreSQL's row locks). Unset: each store's default (30 s). A
   * store URL's `?lockTimeoutSeconds=N` wins over it (src/store/open.ts).
   */
  lockTimeoutSeconds: z.optional(seconds("lockTimeoutSeconds")),
});

/** What a LOCK_TIMEOUT message tells the user to change: the setting, and both places it lives. */
export const RAISE_LOCK_TIMEOUT =
  'raise lockTimeoutSeconds (in .baton/config.json, e.g. {"lockTimeoutSeconds": 120}, or on the store URL, e.g. sqlite:PATH?lockTimeoutSeconds=120)';

export type BoardPolicy = z.output<typeof policySchema>;
export type BoardPolicyInput = z.input<typeof policySchema>;

export function resolvePolicy(input: BoardPolicyInput = {}): BoardPolicy {
  return parseInput(policySchema, input, "board policy");
}

/**
 * The board's tunable rules, resolved and validated in one place. Units are in the names.
 */
import { z } from "zod";
import { parseInput, prefixSchema } from "./validation.js";

export const policySchema = z
  .object({
    /** Lease given by a claim when the caller names none. */
    leaseSeconds: z.number().positive().default(15 * 60),
    maxAttempts: z.number().int().min(1).default(3),
    /** Seed 002's schedule: 300 s, then ×2 each attempt. */
    retryBaseSeconds: z.number().min(0).default(300),
    retryMultiplier: z.number().min(1).default(2),
    /** ± this fraction of the delay, so retries of a failed batch do not stampede together. */
    retryJitter: z.number().min(0).max(1).default(0.1),
    /** An agent unseen for longer is dead; `heal` recovers its leases. */
    agentTimeoutSeconds: z.number().positive().default(30 * 60),
    defaultPrefix: prefixSchema.default("T"),
    /** When set, `reserve` and new ids accept only these prefixes. */
    allowedPrefixes: z.array(prefixSchema).optional(),
  })
  .strict();

export type BoardPolicy = z.output<typeof policySchema>;
export type BoardPolicyInput = z.input<typeof policySchema>;

export function resolvePolicy(input: BoardPolicyInput = {}): BoardPolicy {
  return parseInput(policySchema, input, "board policy");
}

/**
 * Claims: the best ready task an agent may take, or named tasks all or nothing, each taken
 * with a fresh lease token. A claim recovers a batch of expired leases and due retries on its
 * way (store.ts CLAIM_RECOVERY_BATCH; heal does the rest).
 */
import type * as z from "zod/mini";
import { BatonError, invalidInput, notFound } from "../core/errors.js";
import { checkStoredToken } from "../core/fencing.js";
import { claimRefusal } from "../core/selection.js";
import { claimOptionsSchema, parseInput } from "../core/validation.js";
import { CLAIM_RECOVERY_BATCH } from "../store/store.js";
import { touchAgent } from "./agents.js";
import { pickBest } from "./candidates.js";
import { nothingReady } from "./nothing-ready.js";
import { recoverDue, recoverTask } from "./recovery.js";
import { applyChange, dependencyStatuses } from "./transaction-steps.js";
import type { Task } from "../core/task.js";
import type { StoreWriter } from "../store/store.js";
import type { ClaimOptions } from "../core/validation.js";
import type { BoardContext } from "./context.js";
import type { Claim } from "./types.js";

/**
 * Atomically picks and takes a task: by id when `ids` names one, else the best ready task
 * this agent may take. Throws NOTHING_READY when there is none.
 */
export async function claimOne(ctx: BoardContext, options: ClaimOptions): Promise<Claim> {
  const parsed = parseClaim(options);
  if (parsed.ids && parsed.ids.length > 1) {
    throw invalidInput("claim takes at most one id; use claimBatch for several (all or nothing)");
  }
  const claims = await claimParsed(ctx, parsed);
  if (claims) return claims[0] as Claim;
  throw await nothingReady(ctx.store, parsed.agent);
}

/** Claims every one of `ids` or none (seed 000's atomic_batch_assign). */
export async function claimBatch(ctx: BoardContext, options: ClaimOptions & { ids: readonly string[] }): Promise<Claim[]> {
  const parsed = parseClaim(options);
  if (!parsed.ids || parsed.ids.length === 0) throw invalidInput("a batch claim needs at least one id");
  return (await claimParsed(ctx, parsed)) as Claim[];
}

export type ParsedClaim = z.output<typeof claimOptionsSchema>;

/** Claim options checked as every claim checks them (bad input throws before the store is touched). */
export function parseClaim(options: ClaimOptions): ParsedClaim {
  const parsed = parseInput(claimOptionsSchema, options, "claim");
  if (parsed.ids && parsed.minPriority !== undefined) {
    throw invalidInput("a minimum priority chooses among ready tasks; it does not apply to a claim by id");
  }
  return parsed;
}

async function claimParsed(ctx: BoardContext, parsed: ParsedClaim): Promise<Claim[] | null> {
  return ctx.store.transaction(
    async (tx) => claimIn(ctx, tx, parsed, await ctx.now(tx)),
    { claimFor: parsed.agent, ...(parsed.ids && { taskIds: parsed.ids }) },
  );
}

/**
 * A claim inside a transaction already begun, at `now`: recovery on the way, the agent's row,
 * the task(s), a fresh lease token and a CLAIMED event each. Null when nothing is ready.
 */
export async function claimIn(ctx: BoardContext, tx: StoreWriter, parsed: ParsedClaim, now: number): Promise<Claim[] | null> {
  const { policy } = ctx;
  // timeoutSeconds bounds the whole time in progress, so the first lease too.
  const leaseSeconds = Math.min(parsed.leaseSeconds ?? policy.leaseSeconds, policy.timeoutSeconds ?? Infinity);
  await recoverDue(tx, now, CLAIM_RECOVERY_BATCH, policy);
  const capabilities = await touchAgent(tx, parsed.agent, parsed.capabilities, now, policy);
  let chosen: Task[];
  if (parsed.ids) {
    const ids = [...new Set(parsed.ids)];
    const found = new Map((await tx.getTasks(ids)).map((t) => [t.id, t]));
    chosen = [];
    const refusals: BatonError[] = [];
    // A named task whose lease expired (or whose retry is due) may lie beyond the lazy
    // recovery batch above; recover it here, or it would be refused as still held.
    for (const id of ids) {
      const task = found.get(id);
      if (task) chosen.push(await recoverTask(tx, task, now, policy));
      else refusals.push(notFound(id));
    }
    const statuses = await dependencyStatuses(tx, chosen);
    for (const task of chosen) {
      const refusal = claimRefusal(task, parsed.agent, capabilities, statuses);
      if (refusal) refusals.push(refusal);
    }
    if (refusals.length > 0) throw batchRefusal(ids, refusals);
  } else {
    const best = await pickBest(tx, parsed.agent, capabilities, parsed.minPriority);
    if (!best) return null;
    chosen = [best];
  }
  const claims: Claim[] = [];
  for (const task of chosen) {
    // Every store checks its own counter; this is the last line: never a token that repeats.
    const leaseToken = checkStoredToken(await tx.nextLeaseToken(), "the store's lease-token counter");
    const claimed = await applyChange(
      tx,
      task,
      { kind: "claim", agentId: parsed.agent, leaseToken, leaseSeconds },
      parsed.agent,
      now,
    );
    claims.push({ task: claimed, leaseToken });
  }
  return claims;
}

/**
 * A batch claim claims all or nothing, and its refusal names every id that stopped it, with
 * seed 000's atomic_batch_assign result in its details: `{assigned: [], failed: [{id, code,
 * reason}]}`. The code is the first refusal's (a single refusal keeps its own code and message).
 */
function batchRefusal(ids: readonly string[], unordered: readonly BatonError[]): BatonError {
  const at = (r: BatonError): number => ids.indexOf(String(r.details.taskId));
  const refusals = [...unordered].sort((a, b) => at(a) - at(b));
  const failed = refusals.map((r) => ({ id: String(r.details.taskId), code: r.code, reason: r.message }));
  const first = refusals[0] as BatonError;
  const message =
    refusals.length === 1
      ? first.message
      : `claimed none of ${ids.join(", ")} (all or nothing): ${refusals.map((r) => r.message).join("; ")}`;
  return new BatonError(first.code, message, { ...(refusals.length === 1 && first.details), assigned: [], failed });
}

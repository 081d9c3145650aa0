/**
 * An agent's natural loop in one call: complete the task it holds, then claim the next one.
 * Two operations, each as it is alone — the completion fenced by its lease token with its
 * COMPLETED event, the claim with its recovery, its fresh lease token and its CLAIMED event —
 * in one store transaction: a face answers both with one round trip (over HTTP, one request
 * per cycle instead of two), and a store commits once for both.
 *
 * All or nothing: a completion refused (LEASE_LOST, NOT_FOUND…) claims nothing, and a claim
 * that throws (bad input) undoes the completion. Nothing ready is not a failure: the task is
 * completed and `next` is null.
 */
import { claimIn, parseClaim } from "./claiming.js";
import { fencedIn, parseCredential } from "./lease-holder.js";
import type { BoardContext } from "./context.js";
import type { Claim, CompletedAndNext, CredentialInput, NextClaimOptions } from "./types.js";

export async function completeAndClaimNext(
  ctx: BoardContext,
  id: string,
  credential: CredentialInput & { result?: string },
  next: NextClaimOptions = {},
): Promise<CompletedAndNext> {
  const checked = parseCredential(id, credential);
  // Checked before the store is touched when the claiming agent is named; else once the
  // completed task has said who held it (a refusal then undoes the completion).
  const named = next.agent ?? checked.agent;
  const early = named === undefined ? undefined : parseClaim({ ...next, agent: named });
  return ctx.store.transaction(
    async (tx) => {
      const now = await ctx.now(tx);
      const completed = await fencedIn(ctx, tx, id, checked, { kind: "complete", result: credential.result ?? null }, now);
      const parsed = early ?? parseClaim({ ...next, agent: completed.assignedTo as string });
      const claims = await claimIn(ctx, tx, parsed, now);
      return { completed, next: (claims?.[0] as Claim | undefined) ?? null };
    },
    { taskIds: [id] },
  );
}

/**
 * What the holder of a lease does with its task: heartbeat, complete, fail, release. Each is
 * fenced by the lease token (core/fencing.ts), so a holder whose lease was recovered cannot
 * change the task any more.
 */
import * as z from "zod/mini";
import { retryDelayMs } from "../core/backoff.js";
import { definedFields } from "../core/exhaustive.js";
import { checkHolder } from "../core/fencing.js";
import { fromIso } from "../core/time.js";
import { checkTaskId, credentialSchema, parseInput } from "../core/validation.js";
import { touchAgent } from "./agents.js";
import { offerRetryElsewhere } from "./coordination.js";
import { applyChange, mustGet } from "./transaction-steps.js";
import type { Task } from "../core/task.js";
import type { Transition } from "../core/transitions.js";
import type { Credential } from "../core/validation.js";
import type { StoreReader, StoreWriter } from "../store/store.js";
import type { BoardContext } from "./context.js";
import type { CredentialInput } from "./types.js";

export async function heartbeat(
  ctx: BoardContext,
  id: string,
  credential: CredentialInput & { leaseSeconds?: number; note?: string },
): Promise<Task> {
  const leaseSeconds = credential.leaseSeconds ?? ctx.policy.leaseSeconds;
  return fenced(ctx, id, credential, { kind: "heartbeat", leaseSeconds, note: credential.note }, true);
}

export async function complete(ctx: BoardContext, id: string, credential: CredentialInput & { result?: string }): Promise<Task> {
  return fenced(ctx, id, credential, { kind: "complete", result: credential.result ?? null });
}

export async function fail(ctx: BoardContext, id: string, credential: CredentialInput & { error: string }): Promise<Task> {
  const error = parseInput(
    z.string().check(z.trim(), z.minLength(1, "say what went wrong (--error TEXT)")),
    credential.error,
    "fail",
  );
  return fenced(ctx, id, credential, { kind: "fail", error, retryDelayMs: 0 });
}

export async function release(ctx: BoardContext, id: string, credential: CredentialInput & { reason?: string }): Promise<Task> {
  return fenced(ctx, id, credential, { kind: "release", reason: credential.reason, by: credential.agent });
}

async function fenced(
  ctx: BoardContext,
  id: string,
  credentialInput: CredentialInput,
  transition: Transition,
  touch = false,
): Promise<Task> {
  const credential = parseCredential(id, credentialInput);
  return ctx.store.transaction(
    async (tx) => fencedIn(ctx, tx, id, credential, transition, await ctx.now(tx), touch),
    { taskIds: [id], ...(touch && credential.agent !== undefined && { agentId: credential.agent }) },
  );
}

/** The task id and credential of a fenced operation, checked before the store is touched. */
export function parseCredential(id: string, credentialInput: CredentialInput): Credential {
  checkTaskId(id);
  return parseInput(credentialSchema, definedFields({ token: credentialInput.token, agent: credentialInput.agent }), "credential");
}

/** A fenced operation inside a transaction already begun, at `now`: the holder check, the change and its event. */
export async function fencedIn(
  ctx: BoardContext,
  tx: StoreWriter,
  id: string,
  credential: Credential,
  transition: Transition,
  now: number,
  touch = false,
): Promise<Task> {
  const { policy } = ctx;
  const task = await mustGet(tx, id);
  // A `done` repeated with the token that completed the task (a network retry) already
  // happened: answer the task as it is, changing nothing, rather than LEASE_LOST.
  if (isRepeatedCompletion(task, transition, credential)) return task;
  checkHolder(task, credential, now);
  const holder = task.assignedTo as string;
  if (touch) await touchAgent(tx, holder, undefined, now, policy);
  const effective =
    transition.kind === "fail"
      ? { ...transition, retryDelayMs: retryDelayMs(policy, task.attempts + 1, ctx.random()) }
      : transition.kind === "heartbeat" && policy.timeoutSeconds !== undefined
        ? { ...transition, notAfterMs: await inProgressDeadline(tx, task, policy.timeoutSeconds) }
        : transition;
  const after = await applyChange(tx, task, effective, credential.agent ?? holder, now);
  return transition.kind === "fail" ? offerRetryElsewhere(tx, after, holder, now, policy) : after;
}

/**
 * A `done` repeated by the agent that completed the task, with its token. baton keeps the
 * holder in assigned_to on completion; a completion by anyone else (a seed-001 hand agent
 * clears assigned_to) leaves the old token stale, not repeated.
 */
function isRepeatedCompletion(task: Task, transition: Transition, credential: Credential): boolean {
  return (
    transition.kind === "complete" &&
    task.status === "completed" &&
    task.assignedTo !== null &&
    credential.token !== undefined &&
    credential.token === task.leaseToken &&
    (credential.agent === undefined || credential.agent === task.assignedTo)
  );
}

/** When the task's current claim reaches timeoutSeconds: its CLAIMED event's time plus that. */
async function inProgressDeadline(tx: StoreReader, task: Task, timeoutSeconds: number): Promise<number | undefined> {
  const [claimed] = await tx.listEvents({ taskId: task.id, types: ["CLAIMED"], recent: 1 });
  return claimed ? fromIso(claimed.at) + timeoutSeconds * 1000 : undefined;
}

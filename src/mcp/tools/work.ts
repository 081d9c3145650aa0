/**
 * Tools for doing the work: peek, claim, heartbeat, and end a lease (complete, fail, release).
 * The session remembers the token of every lease it obtained, so these take just the task id.
 */
import * as z from "zod/mini";
import { isBatonError, ErrorCode } from "../../core/errors.js";
import { capabilitySchema, taskIdSchema } from "../../core/validation.js";
import { NEXT_STEP } from "../errors.js";
import { Detail, compactTask, taskShape } from "../shape.js";
import {
  IDEMPOTENT_WRITE,
  READ_ONLY,
  WRITES,
  agentArg,
  arg,
  defineTool,
  detailArg,
  leaseSecondsArg,
  leaseTokenArg,
  optionalArg,
} from "../tool.js";
import type { Claim } from "../../board.js";
import type { ToolContext } from "../tool.js";

const capabilitiesArg = optionalArg(
  z.array(capabilitySchema),
  'capabilities you have (e.g. ["technical"]); tasks needing others are skipped. Omit to use those your agent registered',
);

const HOLDING_NOTE =
  "this session heartbeats the lease while it is open; finish with complete_task (or fail_task / release_task)";

export const nextTask = defineTool({
  name: "next_task",
  title: "Peek at the next task",
  description:
    "Which task claim_task would give you now, without taking it (compact), or task: null when nothing is ready. " +
    "Use claim_task to actually take it.",
  input: z.strictObject({ capabilities: capabilitiesArg, agent: agentArg }),
  annotations: READ_ONLY,
  async run(args, { board, session }) {
    const task = await board.next({
      agent: session.agent(args.agent),
      ...(args.capabilities && { capabilities: args.capabilities }),
    });
    return task ? { task: compactTask(task) } : { task: null, hint: NEXT_STEP[ErrorCode.NOTHING_READY] };
  },
});

function held(claims: readonly Claim[], agent: string, leaseSeconds: number | undefined, context: ToolContext): void {
  for (const claim of claims) {
    context.session.hold(claim.task, agent, leaseSeconds ?? context.board.policy.leaseSeconds);
  }
}

export const claimTask = defineTool({
  name: "claim_task",
  title: "Claim a task",
  description:
    "Take a task to work on: without id, the best ready task you may take (reserved for you first, then by priority, then oldest); " +
    "with id, that task. Claim before working: only the holder may complete it. Returns the task (full) and its lease_token; " +
    "attach (task id, lease_token) as the idempotency key to outside side effects. " +
    "Refusals: NOTHING_READY (nothing for you now: wait and retry, or list_tasks status pending to see what is blocked), " +
    "CONFLICT (held by another agent, finished, reserved for someone else, or needs a capability you lack: claim another), " +
    "NOT_READY (waits for the listed dependencies or its retry time), NOT_FOUND (no such id).",
  input: z.strictObject({
    id: optionalArg(taskIdSchema, "a specific task to claim; omit to get the best ready one"),
    capabilities: capabilitiesArg,
    lease_seconds: leaseSecondsArg,
    agent: agentArg,
    detail: detailArg(Detail.full),
  }),
  annotations: WRITES,
  async run(args, context) {
    const agent = context.session.agent(args.agent);
    const claim = await context.board.claim({
      agent,
      ...(args.id !== undefined && { ids: [args.id] }),
      ...(args.capabilities && { capabilities: args.capabilities }),
      ...(args.lease_seconds !== undefined && { leaseSeconds: args.lease_seconds }),
    });
    held([claim], agent, args.lease_seconds, context);
    return { task: taskShape(claim.task, args.detail), lease_token: claim.leaseToken, note: HOLDING_NOTE };
  },
});

export const claimTasks = defineTool({
  name: "claim_tasks",
  title: "Claim several tasks at once",
  description:
    "Claim every listed task or none (all-or-nothing), e.g. a group of related tasks. Returns each task with its lease_token " +
    "(compact unless detail is \"full\"). A refusal names every task that cannot be claimed, in details " +
    "{assigned: [], failed: [{id, code, reason}]}; then nothing was claimed.",
  input: z.strictObject({
    ids: arg(
      z.array(taskIdSchema).check(z.minLength(1, "name at least one task"), z.maxLength(100, "claim at most 100 tasks at once")),
      "the tasks to claim together",
    ),
    capabilities: capabilitiesArg,
    lease_seconds: leaseSecondsArg,
    agent: agentArg,
    detail: detailArg(Detail.compact),
  }),
  annotations: WRITES,
  async run(args, context) {
    const agent = context.session.agent(args.agent);
    const claims = await context.board.claimBatch({
      agent,
      ids: args.ids,
      ...(args.capabilities && { capabilities: args.capabilities }),
      ...(args.lease_seconds !== undefined && { leaseSeconds: args.lease_seconds }),
    });
    held(claims, agent, args.lease_seconds, context);
    return {
      tasks: claims.map((c) => ({ ...taskShape(c.task, args.detail), lease_token: c.leaseToken })),
      note: HOLDING_NOTE,
    };
  },
});

const holderArgs = {
  id: arg(taskIdSchema, "the task you hold, e.g. T-7"),
  lease_token: leaseTokenArg,
  agent: agentArg,
};

/** A lease the board says is gone is forgotten, so the session stops heartbeating it. */
async function fenced<T>(context: ToolContext, id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isBatonError(error) && error.code === ErrorCode.LEASE_LOST) context.session.forget(id);
    throw error;
  }
}

const LEASE_REFUSALS =
  "Refusals: LEASE_LOST (your lease expired or another agent took the task over: stop, do not repeat its side effects), " +
  "CONFLICT (you do not hold it: claim it first), NOT_FOUND.";

export const heartbeatTask = defineTool({
  name: "heartbeat_task",
  title: "Extend your lease",
  description:
    "Extend the lease on a task you hold, optionally with a checkpoint note for the audit trail. This server already heartbeats " +
    "the leases of its session; call it to add a note, change the lease length, or take over a lease you claimed in an earlier session. " +
    "Returns the new lease_expires_at. " +
    LEASE_REFUSALS,
  input: z.strictObject({
    ...holderArgs,
    lease_seconds: leaseSecondsArg,
    note: optionalArg(z.string().check(z.minLength(1), z.maxLength(2000)), "progress so far, recorded in the audit trail"),
  }),
  annotations: IDEMPOTENT_WRITE,
  async run(args, context) {
    const credential = context.session.credential(args.id, { leaseToken: args.lease_token, agent: args.agent });
    const leaseSeconds = args.lease_seconds ?? context.session.leaseSecondsOf(args.id) ?? context.board.policy.leaseSeconds;
    const task = await fenced(context, args.id, () =>
      context.board.heartbeat(args.id, {
        ...credential,
        leaseSeconds,
        ...(args.note !== undefined && { note: args.note }),
      }),
    );
    context.session.hold(task, task.assignedTo as string, leaseSeconds);
    return { id: task.id, lease_token: task.leaseToken, lease_expires_at: task.leaseExpiresAt };
  },
});

export const completeTask = defineTool({
  name: "complete_task",
  title: "Complete a task",
  description:
    "Mark a task you hold completed, with a short result (what you did, where it is). Tasks waiting for it become ready. " +
    "Returns the task (compact). " +
    LEASE_REFUSALS,
  input: z.strictObject({
    ...holderArgs,
    result: optionalArg(z.string().check(z.maxLength(100_000)), "what was done; shown to people and other agents"),
  }),
  annotations: WRITES,
  async run(args, context) {
    const credential = context.session.credential(args.id, { leaseToken: args.lease_token, agent: args.agent });
    const task = await fenced(context, args.id, () =>
      context.board.complete(args.id, { ...credential, ...(args.result !== undefined && { result: args.result }) }),
    );
    context.session.forget(args.id);
    return { task: compactTask(task) };
  },
});

export const failTask = defineTool({
  name: "fail_task",
  title: "Report a failed attempt",
  description:
    "Give up on a task you hold because the attempt failed, saying why. It counts an attempt: the task is retried later " +
    "(status failed, next_attempt_at set, with growing back-off) or, after its last attempt, becomes dead for a person to look at. " +
    "To hand a task back without counting an attempt, use release_task. Returns the task (compact). " +
    LEASE_REFUSALS,
  input: z.strictObject({
    ...holderArgs,
    error: arg(
      z.string().check(z.trim(), z.minLength(1, "say what went wrong"), z.maxLength(10_000)),
      "what went wrong, for whoever retries it",
    ),
  }),
  annotations: WRITES,
  async run(args, context) {
    const credential = context.session.credential(args.id, { leaseToken: args.lease_token, agent: args.agent });
    const task = await fenced(context, args.id, () => context.board.fail(args.id, { ...credential, error: args.error }));
    context.session.forget(args.id);
    return { task: compactTask(task) };
  },
});

export const releaseTask = defineTool({
  name: "release_task",
  title: "Hand a task back",
  description:
    "Give a task you hold back to the board, pending, without counting an attempt (you cannot or should not do it now). " +
    "Release what you will not finish before you stop: tasks of a closed session are otherwise left to expire. " +
    "Returns the task (compact). " +
    LEASE_REFUSALS,
  input: z.strictObject({
    ...holderArgs,
    reason: optionalArg(z.string().check(z.minLength(1), z.maxLength(2000)), "why, for the audit trail"),
  }),
  annotations: WRITES,
  async run(args, context) {
    const credential = context.session.credential(args.id, { leaseToken: args.lease_token, agent: args.agent });
    const task = await fenced(context, args.id, () =>
      context.board.release(args.id, { ...credential, ...(args.reason !== undefined && { reason: args.reason }) }),
    );
    context.session.forget(args.id);
    return { task: compactTask(task) };
  },
});

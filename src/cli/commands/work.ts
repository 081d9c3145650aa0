/**
 * Verbs an agent works with: claim, heartbeat, done, fail, release. Without --token the caller
 * must be the holder (by --agent / BATON_AGENT); with it, the token is the proof, and a stale
 * one is refused with "lease lost" (exit 4).
 */
import { invalidInput } from "../../core/errors.js";
import { claimSummary, outcome } from "../human.js";
import { unblockedText } from "../human-coordination.js";
import { taskJson } from "../json-shape.js";
import { capabilitiesFlag, capabilitiesOption, collect, durationSeconds, list, wholeNumber } from "../options.js";
import { action, verb } from "../verb.js";
import type { CredentialInput } from "../../board.js";
import type { Priority, Task } from "../../core/task.js";
import type { CliContext } from "../context.js";
import type { Printed, VerbOptions } from "../verb.js";
import type { Command } from "commander";

export function registerWorkVerbs(program: Command): void {
  capabilitiesOption(
    verb(program, "claim", "take the best ready task (or the named ones, all or nothing); exit 5 if none")
      .option("--id <id>", "claim this task; repeat for a batch that is claimed all or nothing", collect),
    "the capabilities you bring, comma-separated (tasks needing others are skipped)",
  )
    .option("--lease <duration>", "how long the lease lasts before heartbeats, e.g. 90s, 15m, 1h30m")
    .option("--priority <p>", "only tasks of at least this priority (critical, high, medium, low)")
    .action(
      action(async (ctx, _args, o) => {
        const agent = ctx.requireAgent("claim");
        const ids = list(o.id as string[] | undefined);
        if (ids !== undefined && ids.length === 0) throw invalidInput("--id needs a task id, like --id T-7");
        const capabilities = capabilitiesFlag(o);
        const leaseSeconds = durationSeconds("--lease", o.lease as string | undefined);
        const options = {
          agent,
          ...(capabilities && { capabilities }),
          ...(leaseSeconds !== undefined && { leaseSeconds }),
          ...(o.priority !== undefined && { minPriority: o.priority as Priority }),
        };
        const board = await ctx.board();
        if (ids && ids.length > 1) {
          const claims = await board.claimBatch({ ...options, ids });
          const now = Date.now();
          return {
            json: claims.map((c) => taskJson(c.task)),
            human: claims.map((c) => claimSummary(c.task, ctx.style, now)).join("\n"),
          };
        }
        const { task } = await board.claim({ ...options, ...(ids && { ids }) });
        return { json: taskJson(task), human: claimSummary(task, ctx.style, Date.now()) };
      }),
    );

  verb(program, "heartbeat <id>", "extend your lease (and leave a checkpoint note)")
    .option("--token <n>", "your lease token (from claim)")
    .option("--lease <duration>", "the new lease length from now, e.g. 15m")
    .option("--note <text>", "a checkpoint note, kept on the audit trail")
    .action(
      action(async (ctx, [id], o) => {
        const leaseSeconds = durationSeconds("--lease", o.lease as string | undefined);
        const note = o.note as string | undefined;
        const task = await (await ctx.board()).heartbeat(id as string, {
          ...credential(ctx, o),
          ...(leaseSeconds !== undefined && { leaseSeconds }),
          ...(note !== undefined && { note }),
        });
        return one(ctx, task);
      }),
    );

  verb(program, "done <id>", "complete your task")
    .option("--token <n>", "your lease token (from claim)")
    .option("--result <text>", "what came of it (a summary, a link, a commit)")
    .option("--next", "and claim the next ready task in the same transaction (as `claim` would for you)")
    .action(
      action(async (ctx, [id], o) => {
        const result = o.result as string | undefined;
        const board = await ctx.board();
        const given = credential(ctx, o);
        if (o.next === true) {
          const done = await board.completeAndClaimNext(id as string, { ...given, ...(result !== undefined && { result }) });
          const now = Date.now();
          return {
            json: { completed: taskJson(done.completed), next: done.next && taskJson(done.next.task) },
            human: `${outcome(done.completed, ctx.style, now)}\n${done.next ? claimSummary(done.next.task, ctx.style, now) : "nothing else is ready now"}`,
          };
        }
        const before = given.token === undefined ? undefined : await board.get(id as string).catch(() => undefined);
        const task = await board.complete(id as string, { ...given, ...(result !== undefined && { result }) });
        if (before?.status === "completed" && before.leaseToken === given.token) {
          return { json: taskJson(task), human: `${task.id} was already completed by you (token ${given.token}); nothing changed` };
        }
        // The task object alone with --json (scripts parse it); people also see what it unblocked.
        if (ctx.json) return one(ctx, task);
        const { unblocked, counts } = await board.unblockedBy(task.id);
        return { json: null, human: `${outcome(task, ctx.style, Date.now())}\n${unblockedText(unblocked, counts)}` };
      }),
    );

  verb(program, "fail <id>", "report that your task failed: retried after a backoff, dead after max attempts")
    .option("--token <n>", "your lease token (from claim)")
    .requiredOption("--error <text>", "what went wrong (kept as last_error)")
    .action(
      action(async (ctx, [id], o) => {
        const task = await (await ctx.board()).fail(id as string, { ...credential(ctx, o), error: o.error as string });
        return one(ctx, task);
      }),
    );

  verb(program, "release <id>", "give your task back, pending, without counting an attempt")
    .option("--token <n>", "your lease token (from claim)")
    .option("--reason <text>", "why, for the audit trail")
    .action(
      action(async (ctx, [id], o) => {
        const reason = o.reason as string | undefined;
        const task = await (await ctx.board()).release(id as string, {
          ...credential(ctx, o),
          ...(reason !== undefined && { reason }),
        });
        return one(ctx, task);
      }),
    );
}

function credential(ctx: CliContext, o: VerbOptions): CredentialInput {
  const token = wholeNumber("--token", o.token as string | undefined, "17");
  return {
    ...(token !== undefined && { token }),
    ...(ctx.agent !== undefined && { agent: ctx.agent }),
  };
}

function one(ctx: CliContext, task: Task): Printed {
  return { json: taskJson(task), human: outcome(task, ctx.style, Date.now()) };
}

/** Verbs that coordinate agents and read the pipeline: agent add/remove, balance, deps, pipeline, note. */
import { invalidInput } from "../../core/errors.js";
import { agentJson, eventJson, taskJson } from "../json-shape.js";
import { balanceText, pipelineText } from "../human-coordination.js";
import { list } from "../options.js";
import { action, verb } from "../verb.js";
import { by } from "./tasks.js";
import type { Pipeline } from "../../board/pipeline.js";
import type { ReservationMove } from "../../core/workload.js";
import type { Command } from "commander";

export function registerCoordinationVerbs(program: Command): void {
  const agent = verb(program, "agent", "register or forget an agent (see `baton agents` for the list)");
  verb(agent, "add <id>", "register an agent ahead of its first claim, with its capabilities")
    .option("--capabilities <caps>", "what it can do, comma-separated (e.g. technical,content)")
    .action(
      action(async (ctx, [id], o) => {
        const capabilities = list(o.capabilities as string | undefined) ?? [];
        const added = await (await ctx.board()).addAgent(id as string, capabilities);
        const caps = added.capabilities.length ? added.capabilities.join(", ") : "no capabilities";
        return { json: agentJson(added), human: `agent ${added.id} registered (${caps})` };
      }),
    );
  verb(agent, "remove <id>", "forget an agent that holds nothing; its reservations are lifted").action(
    action(async (ctx, [id]) => {
      await (await ctx.board()).removeAgent(id as string, by(ctx));
      return { json: { removed: id }, human: `agent ${id} removed` };
    }),
  );

  verb(program, "balance", "move reservations from overloaded or dead agents to idle capable ones (a plan unless --apply)")
    .option("--apply", "make the moves instead of printing the plan")
    .action(
      action(async (ctx, _args, o) => {
        const apply = o.apply === true;
        const moves = await (await ctx.board()).balance({ apply }, by(ctx));
        return { json: { applied: apply, moves: moves.map(moveJson) }, human: balanceText(moves, apply) };
      }),
    );

  verb(program, "deps <id>", "what a task waits for, what waits for it, and what completing it unblocks").action(
    action(async (ctx, [id]) => {
      const pipeline = await (await ctx.board()).pipeline(id as string);
      return { json: pipelineJson(pipeline), human: pipelineText(pipeline, ctx.style) };
    }),
  );

  verb(program, "pipeline [id]", "the critical path of the open work (through a task, when one is given)").action(
    action(async (ctx, [id]) => {
      const pipeline = await (await ctx.board()).pipeline(id);
      return { json: pipelineJson(pipeline), human: pipelineText(pipeline, ctx.style) };
    }),
  );

  verb(program, "note <id> <text...>", "add a note to a task's audit trail (any agent; the task is unchanged)").action(
    action(async (ctx, [id, ...words]) => {
      const text = words.join(" ");
      if (text.trim() === "") throw invalidInput("say what to note: baton note T-1 TEXT");
      const event = await (await ctx.board()).note(id as string, text, by(ctx));
      const { seq: _seq, ...wire } = eventJson({ seq: 0, ...event });
      return { json: wire, human: `noted on ${id}` };
    }),
  );
}

function moveJson(move: ReservationMove): Record<string, unknown> {
  return { task_id: move.taskId, from: move.from, to: move.to, from_load: move.fromLoad, to_load: move.toLoad, why: move.why };
}

function pipelineJson(pipeline: Pipeline): Record<string, unknown> {
  return {
    ...(pipeline.task && { task: taskJson(pipeline.task) }),
    upstream: pipeline.upstream.map((t) => ({ id: t.id, status: t.status })),
    downstream: pipeline.downstream.map((t) => ({ id: t.id, status: t.status })),
    unblocks: pipeline.unblocks.map((t) => t.id),
    critical_path: pipeline.criticalPath.map((t) => ({ id: t.id, status: t.status })),
    counts: pipeline.counts,
  };
}

/** Verbs that create, edit and read tasks: add, update, cancel, revive, assign, show, list, ready, next. */
import { BatonError, ErrorCode, invalidInput } from "../../core/errors.js";
import { outcome, taskDetail, taskTable } from "../human.js";
import { taskJson } from "../json-shape.js";
import { capabilitiesFlag, capabilitiesOption, collect, jsonObject, list, wholeNumber } from "../options.js";
import { pagingOptions, parsePaging, printList } from "../pages.js";
import type { ListPrinter } from "../pages.js";
import { action, verb } from "../verb.js";
import type { Priority, Task, TaskStatus } from "../../core/task.js";
import type { NewTaskInput, TaskPatch } from "../../core/validation.js";
import type { CliContext } from "../context.js";
import type { Printed, VerbOptions } from "../verb.js";
import type { Command } from "commander";

const one = (ctx: CliContext, task: Task): Printed => ({
  json: taskJson(task),
  human: outcome(task, ctx.style, Date.now()),
});

/** Default page sizes: a screenful or two for people; --limit or --all for more. */
const LIST_PAGE = 100;
const READY_PAGE = 20;

const taskPrinter = (ctx: CliContext): ListPrinter<Task> => ({
  noun: "tasks",
  json: taskJson,
  human: (tasks, first) => taskTable(tasks, ctx.style, Date.now(), first),
});

export function registerTaskVerbs(program: Command): void {
  verb(program, "add <title>", "add a task (its id is PREFIX-N from the board's counter, unless --id)")
    .option("--description <text>", "markdown body")
    .option("--priority <p>", "critical, high, medium (default) or low")
    .option("--needs <caps>", "capabilities an agent must have, comma-separated (e.g. technical,content)")
    .option("--after <ids>", "task ids this waits for, comma-separated")
    .option("--id <id>", "an explicit id (1-64 letters, digits, '.', '_', '-')")
    .option("--prefix <prefix>", "mint the id from this prefix's counter (e.g. SEC → SEC-21)")
    .option("--max-attempts <n>", "attempts before the task is dead (poison pill)")
    .option("--metadata <json>", "a JSON object kept with the task")
    .action(
      action(async (ctx, [title], o) => {
        const input: NewTaskInput = { title: title as string };
        if (o.description !== undefined) input.description = o.description as string;
        if (o.priority !== undefined) input.priority = o.priority as NewTaskInput["priority"];
        if (o.needs !== undefined) input.needs = list(o.needs as string);
        if (o.after !== undefined) input.dependsOn = list(o.after as string);
        if (o.id !== undefined) input.id = o.id as string;
        if (o.prefix !== undefined) input.prefix = o.prefix as string;
        const maxAttempts = wholeNumber("--max-attempts", o.maxAttempts as string | undefined, "5");
        if (maxAttempts !== undefined) input.maxAttempts = maxAttempts;
        const metadata = jsonObject("--metadata", o.metadata as string | undefined);
        if (metadata !== undefined) input.metadata = metadata;
        const task = await (await ctx.board()).add(input, by(ctx));
        return { json: taskJson(task), human: `added ${outcome(task, ctx.style, Date.now())}` };
      }),
    );

  verb(program, "update <id>", "change a task's fields (takes effect at once, also for priority)")
    .option("--title <text>", "new title")
    .option("--description <text>", "new markdown body")
    .option("--priority <p>", "critical, high, medium or low")
    .option("--needs <caps>", "replace the needed capabilities (comma-separated; '' for none)")
    .option("--after <ids>", "replace the dependencies (comma-separated; '' for none)")
    .option("--max-attempts <n>", "attempts before the task is dead")
    .option("--metadata <json>", "replace the metadata with this JSON object")
    .option(IF_VERSION, IF_VERSION_HELP)
    .action(
      action(async (ctx, [id], o) => {
        const patch: TaskPatch = {};
        if (o.title !== undefined) patch.title = o.title as string;
        if (o.description !== undefined) patch.description = o.description as string;
        if (o.priority !== undefined) patch.priority = o.priority as TaskPatch["priority"];
        if (o.needs !== undefined) patch.needs = list(o.needs as string);
        if (o.after !== undefined) patch.dependsOn = list(o.after as string);
        const maxAttempts = wholeNumber("--max-attempts", o.maxAttempts as string | undefined, "5");
        if (maxAttempts !== undefined) patch.maxAttempts = maxAttempts;
        const metadata = jsonObject("--metadata", o.metadata as string | undefined);
        if (metadata !== undefined) patch.metadata = metadata;
        return one(ctx, await (await ctx.board()).update(id as string, patch, { ...by(ctx), ...ifVersion(o) }));
      }),
    );

  verb(program, "cancel <id>", "cancel a task (a held task's lease ends; `baton revive` undoes it)")
    .option("--reason <text>", "why, for the audit trail")
    .option(IF_VERSION, IF_VERSION_HELP)
    .action(
      action(async (ctx, [id], o) => {
        const reason = o.reason as string | undefined;
        const edit = { ...by(ctx), ...ifVersion(o), ...(reason && { reason }) };
        return one(ctx, await (await ctx.board()).cancel(id as string, edit));
      }),
    );

  verb(program, "revive <id>", "make a dead, failed or cancelled task pending again with fresh attempts")
    .option(IF_VERSION, IF_VERSION_HELP)
    .action(
      action(async (ctx, [id], o) =>
        one(ctx, await (await ctx.board()).revive(id as string, { ...by(ctx), ...ifVersion(o) })),
      ),
    );

  verb(program, "assign <id> [agent]", "reserve a pending task for one agent (only it may claim it)")
    .option("--clear", "lift the reservation instead")
    .option("--auto", "the least-loaded alive agent with the task's needs (ties: idle longest)")
    .option(IF_VERSION, IF_VERSION_HELP)
    .action(
      action(async (ctx, [id, agent], o) => {
        const ways = [agent !== undefined, o.clear === true, o.auto === true].filter(Boolean).length;
        if (ways === 0) {
          throw invalidInput("say whom to reserve it for (`baton assign T-1 agent-2`), --auto to choose, or --clear to lift it");
        }
        if (ways > 1) throw invalidInput("give one of an agent, --auto or --clear");
        const board = await ctx.board();
        if (o.auto) return one(ctx, await board.assignAuto(id as string, { ...by(ctx), ...ifVersion(o) }));
        return one(ctx, await board.assign(id as string, agent ?? null, { ...by(ctx), ...ifVersion(o) }));
      }),
    );

  verb(program, "show <id>", "one task in full").action(
    action(async (ctx, [id]) => {
      const task = await (await ctx.board()).get(id as string);
      return { json: taskJson(task), human: taskDetail(task, ctx.style, Date.now()) };
    }),
  );

  pagingOptions(
    verb(program, "list", "tasks, oldest first, a page at a time", { agentIsFilter: true })
      .option("--status <s>", "only these statuses, comma-separated (pending, in_progress, completed, failed, dead, cancelled)", collect)
      .option("--agent <id>", "only tasks held by or reserved for this agent")
      .option("--text <q>", "only tasks whose id, title or description contains this"),
    LIST_PAGE,
  ).action(
    action(
      async (ctx, _args, o) => {
        const board = await ctx.board();
        const status = list(o.status as string[] | undefined) as TaskStatus[] | undefined;
        const filter = {
          ...(status && { status }),
          ...(o.agent !== undefined && { agent: o.agent as string }),
          ...(o.text !== undefined && { text: o.text as string }),
        };
        await printList(ctx, parsePaging(o, LIST_PAGE), (page) => board.listPage({ ...filter, ...page }), {
          ...taskPrinter(ctx),
          remaining: async (page) => board.count({ ...filter, ...(page.nextCursor !== null && { cursor: page.nextCursor }) }),
        });
      },
      { agentIsFilter: true },
    ),
  );

  pagingOptions(
    capabilitiesOption(
      verb(program, "ready", "tasks ready to claim now, best first (for your agent when --agent/BATON_AGENT is set)"),
      "judge with these capabilities instead of the agent's recorded ones",
    ),
    READY_PAGE,
  ).action(
    action(async (ctx, _args, o) => {
      const board = await ctx.board();
      const capabilities = capabilitiesFlag(o);
      const who = { ...(ctx.agent !== undefined && { agent: ctx.agent }), ...(capabilities && { capabilities }) };
      // No count of what follows: it would check every pending task's dependencies (src/board/task-reads.ts).
      await printList(ctx, parsePaging(o, READY_PAGE), (page) => board.readyPage({ ...who, ...page }), {
        ...taskPrinter(ctx),
        noun: "ready tasks",
      });
    }),
  );

  capabilitiesOption(
    verb(program, "next", "the task `claim` would give you now, without taking it (exit 5 if none)"),
    "the capabilities you bring, comma-separated",
  )
    .option("--priority <p>", "only tasks of at least this priority (critical, high, medium, low)")
    .action(
      action(async (ctx, _args, o: VerbOptions) => {
        const agent = ctx.requireAgent("next");
        const capabilities = capabilitiesFlag(o);
        const board = await ctx.board();
        const task = await board.next({
          agent,
          ...(capabilities && { capabilities }),
          ...(o.priority !== undefined && { minPriority: o.priority as Priority }),
        });
        if (!task) throw await board.nothingReady(agent);
        return { json: taskJson(task), human: taskDetail(task, ctx.style, Date.now()) };
      }),
    );
}

const IF_VERSION = "--if-version <n>";
const IF_VERSION_HELP = "only if the task is still at this version (see `show --json`); else exit 4, nothing changed";

function ifVersion(o: VerbOptions): { expectedVersion?: number } {
  const expectedVersion = wholeNumber("--if-version", o.ifVersion as string | undefined, "3");
  return expectedVersion === undefined ? {} : { expectedVersion };
}

/** Who made a change, for the audit trail: the agent when one is given. */
export function by(ctx: CliContext): { agent?: string } {
  return ctx.agent === undefined ? {} : { agent: ctx.agent };
}

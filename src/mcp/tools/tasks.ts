/** Tools that create, find and read tasks, and edit their dependencies. */
import * as z from "zod/mini";
import { invalidInput } from "../../core/errors.js";
import {
  agentIdSchema,
  capabilitySchema,
  descriptionSchema,
  maxAttemptsSchema,
  metadataSchema,
  prefixSchema,
  prioritySchema,
  statusSchema,
  taskIdSchema,
  titleSchema,
} from "../../core/validation.js";
import { Detail, compactTask, taskShape } from "../shape.js";
import {
  IDEMPOTENT_WRITE,
  PAGE_DEFAULT,
  READ_ONLY,
  WRITES,
  agentArg,
  arg,
  defineTool,
  detailArg,
  limitArg,
  optionalArg,
} from "../tool.js";
import { newTaskFromWire, taskFilterFromWire } from "../../core/wire-input.js";
import { pageToWire } from "../../core/wire-shape.js";
import type { Page } from "../../board/paging.js";
import type { Task } from "../../core/task.js";
import type { TaskFilterWire } from "../../core/wire-input.js";

const newTaskFields = {
  title: arg(titleSchema, "what to do, one line (at most 500 characters)"),
  description: optionalArg(descriptionSchema, "details, markdown"),
  priority: optionalArg(prioritySchema, "critical, high, medium (default) or low"),
  needs: optionalArg(z.array(capabilitySchema), 'capabilities an agent must have to take it, e.g. ["technical"]'),
  depends_on: optionalArg(z.array(taskIdSchema), "ids of tasks that must be completed first"),
  id: optionalArg(taskIdSchema, "explicit id (e.g. one from reserve_ids); omit to get PREFIX-N"),
  prefix: optionalArg(prefixSchema, "prefix of the new id (default T: T-1, T-2…)"),
  assigned_to: optionalArg(agentIdSchema, "reserve it for one agent: only that agent may claim it"),
  max_attempts: optionalArg(maxAttemptsSchema, "attempts before it becomes dead (default 3)"),
  metadata: optionalArg(metadataSchema, "any JSON object"),
};
const newTaskArgs = z.strictObject(newTaskFields);

export const createTask = defineTool({
  name: "create_task",
  title: "Create a task",
  description:
    "Add one task to the board. Returns the new task (compact), with its id. " +
    "Refusals: INVALID_INPUT (bad field, unknown dependency, dependency cycle), CONFLICT (the id already exists: choose another or omit id).",
  input: z.strictObject({ ...newTaskFields, agent: agentArg }),
  annotations: WRITES,
  async run({ agent, ...fields }, { board, session }) {
    return { task: compactTask(await board.add(newTaskFromWire(fields), session.optionalAgent(agent))) };
  },
});

export const createTasks = defineTool({
  name: "create_tasks",
  title: "Create several tasks at once",
  description:
    "Add up to 100 tasks in one all-or-nothing step: if any is refused, none is created. A task may depend on an " +
    "earlier one of the same batch when you give ids (reserve them first with reserve_ids). Returns the new tasks (compact). " +
    "Refusals: as create_task, naming the task (task #N).",
  input: z.strictObject({
    tasks: arg(
      z.array(newTaskArgs).check(z.minLength(1, "give at least one task"), z.maxLength(100, "at most 100 tasks per call")),
      "the tasks, each with at least a title",
    ),
    agent: agentArg,
  }),
  annotations: WRITES,
  async run(args, { board, session }) {
    const tasks = await board.addMany(args.tasks.map(newTaskFromWire), session.optionalAgent(args.agent));
    return { tasks: tasks.map(compactTask) };
  },
});

const cursorArg = optionalArg(
  z.string().check(z.minLength(1), z.maxLength(1000, "cursor must be the next_cursor of a previous page")),
  "next_cursor of the previous page; omit for the first page",
);

export const listTasks = defineTool({
  name: "list_tasks",
  title: "List or search tasks",
  description:
    `Find tasks, ${PAGE_DEFAULT} per page, compact unless detail is "full". Filters: status (one or several), assigned_to, ` +
    "text (in title or description). With ready: true, only the tasks you could claim now, best first. " +
    "When more match, the result has more: true and next_cursor: pass it as cursor for the next page (next_cursor is null on the last page). " +
    "Use it to see what is blocked (status pending) or who holds what (status in_progress).",
  input: z
    .strictObject({
      status: optionalArg(
        z.union([statusSchema, z.array(statusSchema)]),
        "pending, in_progress, completed, failed (waiting to retry), dead (retries exhausted) or cancelled; or a list of them",
      ),
      assigned_to: optionalArg(agentIdSchema, "only tasks held by, or reserved for, this agent"),
      text: optionalArg(z.string().check(z.minLength(1), z.maxLength(200)), "words in the title or description"),
      ready: optionalArg(z.boolean(), "only tasks ready for you to claim now (not combined with the filters above)"),
      capabilities: optionalArg(z.array(capabilitySchema), "with ready: the capabilities you have"),
      agent: agentArg,
      limit: limitArg,
      cursor: cursorArg,
      detail: detailArg(Detail.compact),
    })
    .check(
      z.refine((a) => !a.ready || (a.status === undefined && a.assigned_to === undefined && a.text === undefined), {
        message: "ready cannot be combined with status, assigned_to or text",
      }),
    ),
  annotations: READ_ONLY,
  async run(args, { board, session }) {
    const paging = { limit: args.limit, ...(args.cursor !== undefined && { cursor: args.cursor }) };
    let page: Page<Task>;
    if (args.ready) {
      page = await board.readyPage({
        ...session.optionalAgent(args.agent),
        ...(args.capabilities && { capabilities: args.capabilities }),
        ...paging,
      });
    } else {
      if (args.capabilities) throw invalidInput("invalid list_tasks arguments: capabilities applies only with ready: true");
      page = await board.listPage({ ...taskFilterFromWire(args as TaskFilterWire), ...paging });
    }
    const { items, next_cursor } = pageToWire(page, (t) => taskShape(t, args.detail));
    return { tasks: items, more: next_cursor !== null, next_cursor };
  },
});

export const showTask = defineTool({
  name: "show_task",
  title: "Show one task",
  description:
    "Read one task by id: every field by default (description, result, lease, attempts, last_error). " +
    "Refusals: NOT_FOUND (no such id: list_tasks shows the board), INVALID_INPUT (malformed id).",
  input: z.strictObject({ id: arg(taskIdSchema, "task id, e.g. T-7"), detail: detailArg(Detail.full) }),
  annotations: READ_ONLY,
  async run(args, { board }) {
    return { task: taskShape(await board.get(args.id), args.detail) };
  },
});

const dependencyArgs = z.strictObject({
  id: arg(taskIdSchema, "the task that waits"),
  depends_on: arg(
    z.array(taskIdSchema).check(z.minLength(1, "name at least one dependency")),
    "ids of the tasks it waits for",
  ),
  agent: agentArg,
});

export const addDependency = defineTool({
  name: "add_dependency",
  title: "Make a task wait for others",
  description:
    "Add dependencies: the task is not ready until every task in depends_on is completed. Returns the task (compact). " +
    "Refusals: NOT_FOUND (the task), INVALID_INPUT (unknown dependency, or a cycle: the message shows it).",
  input: dependencyArgs,
  annotations: IDEMPOTENT_WRITE,
  async run(args, { board, session }) {
    return { task: compactTask(await board.addDependencies(args.id, args.depends_on, session.optionalAgent(args.agent))) };
  },
});

export const removeDependency = defineTool({
  name: "remove_dependency",
  title: "Stop a task waiting for others",
  description:
    "Remove dependencies from a task (ids it does not depend on are ignored). Returns the task (compact). Refusals: NOT_FOUND.",
  input: dependencyArgs,
  annotations: IDEMPOTENT_WRITE,
  async run(args, { board, session }) {
    return {
      task: compactTask(await board.removeDependencies(args.id, args.depends_on, session.optionalAgent(args.agent))),
    };
  },
});

/**
 * Tools a lead agent needs to run a board: cancel, update, assign (by name, automatically, or
 * lift), revive, heal, note, health. Results stay small: a compact task, or counts and ids.
 */
import * as z from "zod/mini";
import {
  agentIdSchema,
  capabilitySchema,
  descriptionSchema,
  maxAttemptsSchema,
  metadataSchema,
  noteSchema,
  prioritySchema,
  taskIdSchema,
  titleSchema,
} from "../../core/validation.js";
import { compactTask } from "../shape.js";
import { IDEMPOTENT_WRITE, READ_ONLY, WRITES, agentArg, arg, defineTool, optionalArg } from "../tool.js";

const idArg = arg(taskIdSchema, "the task's id, e.g. T-7");

export const cancelTask = defineTool({
  name: "cancel_task",
  title: "Cancel a task",
  description:
    "Cancel a task in any open status (a held task's lease ends; its holder's next call is refused). revive_task undoes it. " +
    "Returns the task (compact). Refusals: NOT_FOUND, CONFLICT (already completed or cancelled).",
  input: z.strictObject({ id: idArg, reason: optionalArg(z.string().check(z.maxLength(2000)), "why, for the audit trail"), agent: agentArg }),
  annotations: WRITES,
  async run({ id, reason, agent }, { board, session }) {
    return { task: compactTask(await board.cancel(id, { ...session.optionalAgent(agent), ...(reason && { reason }) })) };
  },
});

export const updateTask = defineTool({
  name: "update_task",
  title: "Update a task",
  description:
    "Change a task's fields; a new priority takes effect at once. Give only the fields to change (needs and depends_on replace the lists). " +
    "Returns the task (compact). Refusals: NOT_FOUND, INVALID_INPUT (bad field, unknown dependency, cycle).",
  input: z.strictObject({
    id: idArg,
    title: optionalArg(titleSchema, "new title"),
    description: optionalArg(descriptionSchema, "new description, markdown"),
    priority: optionalArg(prioritySchema, "critical, high, medium or low"),
    needs: optionalArg(z.array(capabilitySchema), "capabilities an agent must have (replaces the list)"),
    depends_on: optionalArg(z.array(taskIdSchema), "ids it waits for (replaces the list)"),
    max_attempts: optionalArg(maxAttemptsSchema, "attempts before it becomes dead"),
    metadata: optionalArg(metadataSchema, "replaces the metadata object"),
    agent: agentArg,
  }),
  annotations: IDEMPOTENT_WRITE,
  async run({ id, agent, depends_on, max_attempts, ...rest }, { board, session }) {
    const patch = Object.fromEntries(
      Object.entries({ ...rest, dependsOn: depends_on, maxAttempts: max_attempts }).filter(([, v]) => v !== undefined),
    );
    return { task: compactTask(await board.update(id, patch, session.optionalAgent(agent))) };
  },
});

export const assignTask = defineTool({
  name: "assign_task",
  title: "Reserve a task for an agent",
  description:
    'Reserve a pending task so only one agent may claim it: to: "AGENT-ID", or to: "auto" for the least-loaded alive agent with the ' +
    "task's needs (ties: idle longest; dead agents never), or to: null to lift the reservation. Returns the task (compact). " +
    "Refusals: NOT_FOUND, CONFLICT (not pending, or no alive agent has its needs).",
  input: z.strictObject({
    id: idArg,
    to: arg(z.nullable(z.union([z.literal("auto"), agentIdSchema])), 'an agent id, "auto", or null to lift it'),
    agent: agentArg,
  }),
  annotations: IDEMPOTENT_WRITE,
  async run({ id, to, agent }, { board, session }) {
    const by = session.optionalAgent(agent);
    const task = to === "auto" ? await board.assignAuto(id, by) : await board.assign(id, to, by);
    return { task: compactTask(task) };
  },
});

export const reviveTask = defineTool({
  name: "revive_task",
  title: "Revive a task",
  description:
    "Make a dead (poison pill), failed or cancelled task pending again with a fresh set of attempts, once its cause is fixed. " +
    "Returns the task (compact). Refusals: NOT_FOUND, CONFLICT (it is not dead, failed or cancelled).",
  input: z.strictObject({ id: idArg, agent: agentArg }),
  annotations: WRITES,
  async run({ id, agent }, { board, session }) {
    return { task: compactTask(await board.revive(id, session.optionalAgent(agent))) };
  },
});

export const healBoard = defineTool({
  name: "heal_board",
  title: "Heal the board",
  description:
    "Recover now what claims recover lazily: expired leases (pending again, an attempt counted), due retries, and agents unseen " +
    "past the agent timeout (declared dead, their leases recovered). Returns the ids acted on.",
  input: z.strictObject({}),
  annotations: IDEMPOTENT_WRITE,
  async run(_args, { board }) {
    const report = await board.heal();
    return { timed_out: report.timedOut, poisoned: report.poisoned, retried: report.retried, dead_agents: report.deadAgents };
  },
});

export const noteTask = defineTool({
  name: "note_task",
  title: "Note on a task",
  description:
    "Add a note to a task's audit trail (a NOTE event), whoever holds it; the task itself is unchanged. " +
    "Returns ok. Refusals: NOT_FOUND, INVALID_INPUT (empty note).",
  input: z.strictObject({ id: idArg, text: arg(noteSchema, "the note, at most 10,000 characters"), agent: agentArg }),
  annotations: WRITES,
  async run({ id, text, agent }, { board, session }) {
    const event = await board.note(id, text, session.optionalAgent(agent));
    return { ok: true, task_id: event.taskId, at: event.at };
  },
});

export const boardHealth = defineTool({
  name: "board_health",
  title: "Board health",
  description:
    "Check the board without changing it: store, schema, integrity, stale locks, expired leases, dead agents, poison pills, " +
    "the oldest ready task. Returns healthy and only the problems (each with its fix) unless all: true.",
  input: z.strictObject({ all: optionalArg(z.boolean(), "also return the checks that passed") }),
  annotations: READ_ONLY,
  async run({ all }, { board }) {
    const report = await board.health({ integrity: false });
    const shown = all ? report.checks : report.checks.filter((c) => !c.ok);
    return { healthy: report.healthy, checks: shown };
  },
});

/**
 * Creating tasks and the edits a person makes to them: fields, dependencies, cancel, revive,
 * reservations, taking a task back, notes. Each is one transaction on one task (version
 * checked when the editor names the version it decided on).
 */
import * as z from "zod/mini";
import { checkAgentId, checkTaskId, newTaskSchema, noteSchema, parseInput, taskIdSchema, taskPatchSchema } from "../core/validation.js";
import { toIso } from "../core/time.js";
import { checkDependencies, createTask } from "./creation.js";
import { actorOf, expectedVersionOf } from "./context.js";
import { applyChange, checkVersion, mustGet } from "./transaction-steps.js";
import type { NewEvent, Task } from "../core/task.js";
import type { Transition } from "../core/transitions.js";
import type { NewTaskInput, TaskPatch } from "../core/validation.js";
import type { BoardContext } from "./context.js";
import type { EditBy } from "./types.js";

/** Creates every task or none. Later tasks may depend on earlier ones of the same batch. */
export async function addTasks(ctx: BoardContext, inputs: readonly NewTaskInput[], by: { agent?: string }): Promise<Task[]> {
  const parsed = inputs.map((input, i) =>
    parseInput(newTaskSchema, input, inputs.length > 1 ? `task #${i + 1}` : "task"),
  );
  const agent = actorOf(by);
  return ctx.store.transaction(async (tx) => {
    const now = await ctx.now(tx);
    const created: Task[] = [];
    // One map of dependency edges for the whole batch (creation.ts: a chain reads each link once).
    const known = new Map<string, readonly string[]>();
    for (const input of parsed) created.push(await createTask(tx, input, agent, now, ctx.policy, known));
    return created;
  });
}

export async function updateTask(ctx: BoardContext, id: string, patch: TaskPatch, by: EditBy): Promise<Task> {
  const parsed = parseInput(taskPatchSchema, patch, "update");
  return edit(ctx, id, by, () => parsed);
}

/** Adds dependencies, reading and writing the list in one transaction (no lost edit). */
export async function addDependencies(ctx: BoardContext, id: string, dependsOn: readonly string[], by: { agent?: string }): Promise<Task> {
  const added = parseInput(z.array(taskIdSchema), [...dependsOn], "dependencies");
  return edit(ctx, id, by, (task) => ({ dependsOn: [...task.dependsOn, ...added] }));
}

export async function removeDependencies(ctx: BoardContext, id: string, dependsOn: readonly string[], by: { agent?: string }): Promise<Task> {
  const removed = parseInput(z.array(taskIdSchema), [...dependsOn], "dependencies");
  return edit(ctx, id, by, (task) => ({ dependsOn: task.dependsOn.filter((d) => !removed.includes(d)) }));
}

/** One UPDATED change whose patch is computed from the task as read inside the transaction. */
async function edit(ctx: BoardContext, id: string, by: EditBy, patchOf: (task: Task) => TaskPatch): Promise<Task> {
  checkTaskId(id);
  const agent = actorOf(by);
  const expectedVersion = expectedVersionOf(by);
  return ctx.store.transaction(async (tx) => {
    const now = await ctx.now(tx);
    const before = await mustGet(tx, id);
    checkVersion(before, expectedVersion);
    const patch = { ...patchOf(before) };
    if (patch.dependsOn) {
      patch.dependsOn = [...new Set(patch.dependsOn)];
      await checkDependencies(tx, id, patch.dependsOn);
    }
    if (patch.needs) patch.needs = [...new Set(patch.needs)];
    return applyChange(tx, before, { kind: "update", patch }, agent, now);
  }, { taskIds: [id] });
}

/** Reserve a pending task for one agent (only it may claim it), or lift the reservation. */
export async function assignTask(ctx: BoardContext, id: string, agent: string | null, by: EditBy): Promise<Task> {
  if (agent !== null) checkAgentId(agent);
  return changeTask(ctx, id, by, { kind: "assign", agentId: agent });
}

/** One transition of one task by a person (cancel, revive, assign, release held), version checked. */
export async function changeTask(ctx: BoardContext, id: string, by: EditBy, transition: Transition): Promise<Task> {
  checkTaskId(id);
  const agent = actorOf(by);
  const expectedVersion = expectedVersionOf(by);
  return ctx.store.transaction(async (tx) => {
    const task = await mustGet(tx, id);
    checkVersion(task, expectedVersion);
    return applyChange(tx, task, transition, agent, await ctx.now(tx));
  }, { taskIds: [id] });
}

/** A NOTE event on the task's audit trail, by any agent; the task itself is unchanged. */
export async function noteTask(ctx: BoardContext, id: string, text: string, by: { agent?: string }): Promise<NewEvent> {
  checkTaskId(id);
  const details = parseInput(noteSchema, text, "note");
  const agent = actorOf(by);
  return ctx.store.transaction(async (tx) => {
    const task = await mustGet(tx, id);
    const event: NewEvent = {
      at: toIso(await ctx.now(tx)),
      type: "NOTE",
      taskId: id,
      agentId: agent,
      from: task.status,
      to: task.status,
      details,
      // Empty: a task event's data is what changed, and a note changes nothing (replay).
      data: {},
    };
    await tx.appendEvent(event);
    return event;
  }, { taskIds: [id] });
}

/** Reading and changing tasks inside a transaction: the pieces every operation shares. */
import { notFound, versionMismatch } from "../core/errors.js";
import { taskEvent } from "../core/events.js";
import { mayTake, unfinishedDependencies } from "../core/selection.js";
import { applyTransition } from "../core/transitions.js";
import type { DependencyStatuses } from "../core/selection.js";
import type { Task } from "../core/task.js";
import type { Transition } from "../core/transitions.js";
import type { StoreReader, StoreWriter } from "../store/store.js";

/** The one way a task changes: the core transition, the new row, and its audit event. */
export async function applyChange(
  tx: StoreWriter,
  before: Task,
  transition: Transition,
  agent: string | null,
  now: number,
): Promise<Task> {
  const outcome = applyTransition(before, transition, now);
  await tx.updateTask(outcome.task, before);
  await tx.appendEvent(taskEvent(before, outcome.task, outcome.eventType, agent, outcome.details, now));
  return outcome.task;
}

/** A person's edit made against `expectedVersion` must find the task still at it. */
export function checkVersion(task: Task, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && task.version !== expectedVersion) {
    throw versionMismatch(task.id, expectedVersion, task.version);
  }
}

export async function mustGet(tx: StoreReader, id: string): Promise<Task> {
  return (await tx.getTask(id)) ?? throwNotFound(id);
}

export function throwNotFound(id: string): never {
  throw notFound(id);
}

export async function dependencyStatuses(tx: StoreReader, tasks: readonly Task[]): Promise<DependencyStatuses> {
  const ids = [...new Set(tasks.flatMap((t) => t.dependsOn))];
  if (ids.length === 0) return new Map();
  return new Map((await tx.getTasks(ids)).map((t) => [t.id, t.status]));
}

export async function firstReady(
  tx: StoreReader,
  candidates: readonly Task[],
  agent: string,
  capabilities: readonly string[],
): Promise<Task | null> {
  const takeable = candidates.filter((t) => mayTake(t, agent, capabilities));
  if (takeable.length === 0) return null;
  const statuses = await dependencyStatuses(tx, takeable);
  return takeable.find((t) => unfinishedDependencies(t, statuses).length === 0) ?? null;
}

/** How a failed task whose retry is due looks once the next claim has promoted it. */
export function asPromoted(task: Task): Task {
  return { ...task, status: "pending", nextAttemptAt: null };
}

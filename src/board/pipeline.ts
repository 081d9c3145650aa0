/** Reading the dependency graph for `deps`, `pipeline`, `done`'s summary and the report. */
import { criticalPath, downstream, taskGraph, unblockedBy, upstream } from "../core/pipeline.js";
import { mustGet } from "./transaction-steps.js";
import type { TaskGraph } from "../core/pipeline.js";
import type { Task, TaskStatus } from "../core/task.js";
import type { StoreReader } from "../store/store.js";

export interface Pipeline {
  /** The task asked about; absent for the whole board's pipeline. */
  task?: Task;
  /** What it waits for, nearest first. */
  upstream: Task[];
  /** What waits for it, nearest first. */
  downstream: Task[];
  /** Pending tasks that become ready when it completes. */
  unblocks: Task[];
  /** The longest chain of open tasks (through the task, when one is asked about). */
  criticalPath: Task[];
  counts: Record<TaskStatus, number>;
}

export async function readGraph(tx: StoreReader): Promise<TaskGraph> {
  return taskGraph(await tx.listTasks({}));
}

export async function readPipeline(tx: StoreReader, id?: string): Promise<Pipeline> {
  if (id !== undefined) await mustGet(tx, id);
  const graph = await readGraph(tx);
  const tasks = (ids: readonly string[]): Task[] => ids.map((i) => graph.byId.get(i)).filter((t): t is Task => !!t);
  const counts = await tx.countByStatus();
  if (id === undefined) return { upstream: [], downstream: [], unblocks: [], criticalPath: tasks(criticalPath(graph)), counts };
  return {
    task: graph.byId.get(id) as Task,
    upstream: tasks(upstream(graph, id)),
    downstream: tasks(downstream(graph, id)),
    unblocks: tasks(unblockedBy(graph, id)),
    criticalPath: tasks(criticalPath(graph, id)),
    counts,
  };
}

/**
 * What completing `id` made ready (its dependants, pending, with every dependency completed)
 * and the board's counts, for `done`'s summary.
 */
export async function readUnblocked(tx: StoreReader, id: string): Promise<{ unblocked: Task[]; counts: Record<TaskStatus, number> }> {
  const pending = (await tx.listTasks({ statuses: ["pending"] })).filter((t) => t.dependsOn.includes(id));
  const deps = [...new Set(pending.flatMap((t) => t.dependsOn))];
  const done = new Set((await tx.getTasks(deps)).filter((t) => t.status === "completed").map((t) => t.id));
  const unblocked = pending.filter((t) => t.dependsOn.every((d) => done.has(d)));
  return { unblocked, counts: await tx.countByStatus() };
}

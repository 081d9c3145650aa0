/**
 * The dependency graph as a pipeline (seed 002's `dependencies` and `pipeline`): what a task
 * waits for, what waits for it, what completing it unblocks, and the critical path — the
 * longest chain of work still to do. Pure: the board passes the tasks in. Dependency cycles
 * are rejected when made, so the graph is a DAG; the walks still guard against one.
 */
import { compareIds } from "./selection.js";
import type { Task } from "./task.js";

/** Statuses that are work still to do on the critical path. */
const OPEN: ReadonlySet<Task["status"]> = new Set(["pending", "in_progress", "failed"]);

export interface TaskGraph {
  byId: ReadonlyMap<string, Task>;
  /** Task id → ids of the tasks that depend on it, in id order. */
  dependants: ReadonlyMap<string, readonly string[]>;
}

export function taskGraph(tasks: readonly Task[]): TaskGraph {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const dependants = new Map<string, string[]>();
  for (const task of tasks) {
    for (const dep of task.dependsOn) dependants.set(dep, [...(dependants.get(dep) ?? []), task.id]);
  }
  for (const list of dependants.values()) list.sort(compareIds);
  return { byId, dependants };
}

/** Every task `id` waits for, directly or through others, nearest first (breadth first). */
export function upstream(graph: TaskGraph, id: string): string[] {
  return walk(id, (t) => graph.byId.get(t)?.dependsOn ?? []);
}

/** Every task that waits for `id`, directly or through others, nearest first. */
export function downstream(graph: TaskGraph, id: string): string[] {
  return walk(id, (t) => graph.dependants.get(t) ?? []);
}

function walk(start: string, next: (id: string) => readonly string[]): string[] {
  const seen = new Set<string>([start]);
  const order: string[] = [];
  let frontier = [start];
  while (frontier.length > 0) {
    const following: string[] = [];
    for (const id of frontier) {
      for (const n of next(id)) {
        if (seen.has(n)) continue;
        seen.add(n);
        order.push(n);
        following.push(n);
      }
    }
    frontier = following;
  }
  return order;
}

/**
 * The pending tasks that become ready once `id` is completed: they depend on it directly and
 * every other dependency of theirs is already completed.
 */
export function unblockedBy(graph: TaskGraph, id: string): string[] {
  return (graph.dependants.get(id) ?? []).filter((d) => {
    const task = graph.byId.get(d);
    return (
      task !== undefined &&
      task.status === "pending" &&
      task.dependsOn.every((dep) => dep === id || graph.byId.get(dep)?.status === "completed")
    );
  });
}

/**
 * The longest chain of open tasks (pending, in progress or waiting to retry) where each one
 * waits for the one before: the order in which the remaining work must at least happen.
 * Ties go to the chain whose first task has the smaller id. Empty when nothing is open.
 * With `through`, the longest such chain that passes through that task.
 */
export function criticalPath(graph: TaskGraph, through?: string): string[] {
  const open = (id: string): boolean => {
    const task = graph.byId.get(id);
    return task !== undefined && OPEN.has(task.status);
  };
  // Longest open chain ending at id (up) and starting at id (down), memoised.
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const longestUp = (id: string, guard: Set<string>): string[] => {
    const known = up.get(id);
    if (known) return known;
    let best: string[] = [];
    if (!guard.has(id)) {
      guard.add(id);
      const deps = [...(graph.byId.get(id)?.dependsOn ?? [])].filter(open).sort(compareIds);
      for (const dep of deps) {
        const chain = longestUp(dep, guard);
        if (chain.length > best.length) best = chain;
      }
      guard.delete(id);
    }
    const chain = [...best, id];
    up.set(id, chain);
    return chain;
  };
  const longestDown = (id: string, guard: Set<string>): string[] => {
    const known = down.get(id);
    if (known) return known;
    let best: string[] = [];
    if (!guard.has(id)) {
      guard.add(id);
      for (const next of (graph.dependants.get(id) ?? []).filter(open)) {
        const chain = longestDown(next, guard);
        if (chain.length > best.length) best = chain;
      }
      guard.delete(id);
    }
    const chain = [id, ...best];
    down.set(id, chain);
    return chain;
  };
  if (through !== undefined) {
    if (!open(through)) return [];
    return [...longestUp(through, new Set()).slice(0, -1), ...longestDown(through, new Set())];
  }
  let best: string[] = [];
  const starts = [...graph.byId.keys()].filter(open).sort(compareIds);
  for (const id of starts) {
    const chain = longestDown(id, new Set());
    if (chain.length > best.length) best = chain;
  }
  return best;
}

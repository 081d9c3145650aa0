import { BatonError, ErrorCode } from "./errors.js";
import { MAX_DEPENDENCY_CHAIN } from "./limits.js";

/**
 * Would making `taskId` depend on `dependsOn` close a cycle? `edges` holds the current
 * dependsOn lists of every task reachable from `dependsOn`. Returns the cycle as a path
 * (taskId → … → taskId), or null.
 *
 * A depth-first walk with an explicit stack and a parent map: no recursion (a 7,000-task
 * chain overflowed the stack) and no copied path per step (quadratic in the chain's length).
 */
export function findCycle(
  taskId: string,
  dependsOn: readonly string[],
  edges: ReadonlyMap<string, readonly string[]>,
): string[] | null {
  if (dependsOn.includes(taskId)) return [taskId, taskId];
  const cameFrom = new Map<string, string>();
  const stack: string[] = [];
  for (const dep of [...dependsOn].reverse()) {
    if (!cameFrom.has(dep)) {
      cameFrom.set(dep, taskId);
      stack.push(dep);
    }
  }
  const pushed = new Set(stack);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    const next = edges.get(id) ?? [];
    if (next.includes(taskId)) return pathBack(id, taskId, cameFrom);
    for (let i = next.length - 1; i >= 0; i--) {
      const n = next[i] as string;
      if (pushed.has(n)) continue;
      pushed.add(n);
      cameFrom.set(n, id);
      stack.push(n);
    }
  }
  return null;
}

function pathBack(last: string, taskId: string, cameFrom: ReadonlyMap<string, string>): string[] {
  const path = [taskId];
  for (let id: string | undefined = last; id !== undefined && id !== taskId; id = cameFrom.get(id)) path.push(id);
  path.push(taskId);
  // Built from the end: taskId, last, …, first dependency, taskId → reverse the middle.
  return [taskId, ...path.slice(1, -1).reverse(), taskId];
}

/**
 * Tasks on the longest dependency path starting at any of `roots` (a task without
 * dependencies counts 1; an id not in `edges` counts 0). Iterative, each task visited once;
 * a cycle elsewhere in the graph (a hand-edited board) ends the path where it closes.
 */
export function longestChain(roots: readonly string[], edges: ReadonlyMap<string, readonly string[]>): number {
  const length = new Map<string, number>();
  const open = new Set<string>();
  let longest = 0;
  for (const root of roots) {
    const stack: [string, boolean][] = [[root, false]];
    while (stack.length > 0) {
      const [id, expanded] = stack.pop() as [string, boolean];
      if (expanded) {
        let below = 0;
        for (const n of edges.get(id) ?? []) below = Math.max(below, length.get(n) ?? 0);
        length.set(id, 1 + below);
        open.delete(id);
        continue;
      }
      if (length.has(id) || open.has(id)) continue;
      if (!edges.has(id)) {
        length.set(id, 0);
        continue;
      }
      open.add(id);
      stack.push([id, true]);
      for (const n of edges.get(id) ?? []) if (!length.has(n) && !open.has(n)) stack.push([n, false]);
    }
    longest = Math.max(longest, length.get(root) ?? 0);
  }
  return longest;
}

export function cycleError(path: readonly string[]): BatonError {
  return new BatonError(
    ErrorCode.INVALID_INPUT,
    `dependency cycle rejected: ${path.join(" → ")}; a task cannot (indirectly) wait for itself`,
    { cycle: path },
  );
}

export function chainTooLongError(taskId: string): BatonError {
  return new BatonError(
    ErrorCode.INVALID_INPUT,
    `${taskId} would end a dependency chain of more than ${MAX_DEPENDENCY_CHAIN} tasks (the limit); ` +
      "depend on a task nearer the start, or split the work into stages that do not wait on each other",
    { taskId, limit: MAX_DEPENDENCY_CHAIN },
  );
}

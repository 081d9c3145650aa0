import { BatonError, ErrorCode } from "./errors.js";

/**
 * Would making `taskId` depend on `dependsOn` close a cycle? `edges` holds the current
 * dependsOn lists of every task reachable from `dependsOn`. Returns the cycle as a path
 * (taskId → … → taskId), or null.
 */
export function findCycle(
  taskId: string,
  dependsOn: readonly string[],
  edges: ReadonlyMap<string, readonly string[]>,
): string[] | null {
  const visited = new Set<string>();
  const walk = (id: string, path: string[]): string[] | null => {
    if (id === taskId) return [...path, id];
    if (visited.has(id)) return null;
    visited.add(id);
    for (const next of edges.get(id) ?? []) {
      const found = walk(next, [...path, id]);
      if (found) return found;
    }
    return null;
  };
  for (const dep of dependsOn) {
    const found = walk(dep, [taskId]);
    if (found) return found;
  }
  return null;
}

export function cycleError(path: readonly string[]): BatonError {
  return new BatonError(
    ErrorCode.INVALID_INPUT,
    `dependency cycle rejected: ${path.join(" → ")}; a task cannot (indirectly) wait for itself`,
    { cycle: path },
  );
}

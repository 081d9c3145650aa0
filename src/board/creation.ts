/** Creating tasks: minting ids from the per-prefix counters, and checking dependencies. */
import { chainTooLongError, cycleError, findCycle, longestChain } from "../core/dependencies.js";
import { BatonError, ErrorCode, invalidInput } from "../core/errors.js";
import { taskEvent } from "../core/events.js";
import { formatId, parseNumberedId } from "../core/ids.js";
import { MAX_DEPENDENCY_CHAIN } from "../core/limits.js";
import { reservedIdRefusal } from "../core/reserved-ids.js";
import { toIso } from "../core/time.js";
import { checkPrefix } from "../core/validation.js";
import type { BoardPolicy } from "../core/policy.js";
import type { Task } from "../core/task.js";
import type { NewTask } from "../core/validation.js";
import type { StoreReader, StoreWriter } from "../store/store.js";

/**
 * Inserts a new task (minting its id) and its CREATED event. `known` carries the dependency
 * edges already read in this transaction, so a batch building a chain reads each task once
 * instead of walking the whole chain below every new link again (a 1,000-link chain in
 * batches of 250: ~1,500 task reads instead of ~500,000).
 */
export async function createTask(
  tx: StoreWriter,
  input: NewTask,
  agent: string | null,
  now: number,
  policy: BoardPolicy,
  known: DependencyEdges = new Map(),
): Promise<Task> {
  let id: string;
  if (input.id !== undefined) {
    id = input.id;
    if (await tx.getTask(id)) {
      throw new BatonError(ErrorCode.CONFLICT, `task ${id} already exists; choose another id or omit --id`, {
        taskId: id,
      });
    }
    if (policy.requireReservedIds) {
      const refusal = reservedIdRefusal(id, await tx.counters());
      if (refusal) throw invalidInput(`${refusal} (this board requires reserved ids: requireReservedIds)`, { taskId: id });
    }
    const numbered = parseNumberedId(id);
    const allowed = policy.allowedPrefixes;
    if (allowed && allowed.length > 0 && !(numbered && allowed.includes(numbered.prefix))) {
      throw new BatonError(
        ErrorCode.INVALID_INPUT,
        `invalid id "${id}": this board allows only ids PREFIX-N with the prefix ${allowed.join(", ")} (see allowedPrefixes)`,
        { taskId: id, allowed },
      );
    }
    // An explicit SEC-25 moves the SEC counter past 25, so minted ids never collide with it.
    if (numbered) await tx.raiseCounter(numbered.prefix, numbered.n);
  } else {
    const prefix = checkPrefix(input.prefix ?? policy.defaultPrefix, policy.allowedPrefixes);
    do id = formatId(prefix, await tx.advanceCounter(prefix, 1));
    while (await tx.getTask(id));
  }
  const dependsOn = [...new Set(input.dependsOn)];
  await checkDependencies(tx, id, dependsOn, known);
  const at = toIso(now);
  const task: Task = {
    id,
    title: input.title,
    description: input.description,
    metadata: input.metadata,
    result: null,
    status: "pending",
    priority: input.priority,
    needs: [...new Set(input.needs)],
    dependsOn,
    assignedTo: input.assignedTo ?? null,
    leaseToken: null,
    leaseExpiresAt: null,
    attempts: 0,
    maxAttempts: input.maxAttempts ?? policy.maxAttempts,
    nextAttemptAt: null,
    lastError: null,
    createdAt: at,
    updatedAt: at,
    createdBy: agent,
    version: 1,
  };
  await tx.insertTask(task);
  await tx.appendEvent(taskEvent(null, task, "CREATED", agent, `created "${task.title}"`, now));
  known.set(task.id, task.dependsOn);
  return task;
}

/** Task id → the ids it depends on, as read (or written) in the current transaction. */
export type DependencyEdges = Map<string, readonly string[]>;

/**
 * Every dependency exists and none of them (transitively) waits for `id`. `edges` may hold
 * edges already read in this transaction (never `id`'s own): only the rest are read, one
 * read per level; what is read is added to it.
 */
export async function checkDependencies(
  tx: StoreReader,
  id: string,
  dependsOn: readonly string[],
  edges: DependencyEdges = new Map(),
): Promise<void> {
  if (dependsOn.length === 0) return;
  if (dependsOn.includes(id)) throw cycleError([id, id]);
  edges.delete(id);
  let frontier = dependsOn.filter((d) => !edges.has(d));
  // One read per level of the chain; a chain longer than the limit is refused before its end.
  for (let level = 1; frontier.length > 0; level++) {
    if (level > MAX_DEPENDENCY_CHAIN) throw chainTooLongError(id);
    const found = await tx.getTasks(frontier);
    const byId = new Map(found.map((t) => [t.id, t]));
    const next: string[] = [];
    for (const depId of frontier) {
      const dep = byId.get(depId);
      if (!dep) {
        if (dependsOn.includes(depId)) {
          throw new BatonError(ErrorCode.NOT_FOUND, `${id} cannot depend on ${depId}: no such task`, { taskId: id, missing: depId });
        }
        continue;
      }
      edges.set(depId, dep.dependsOn);
      for (const n of dep.dependsOn) if (!edges.has(n) && n !== id) next.push(n);
    }
    frontier = [...new Set(next)].filter((n) => !edges.has(n));
  }
  const cycle = findCycle(id, dependsOn, edges);
  if (cycle) throw cycleError(cycle);
  if (1 + longestChain(dependsOn, edges) > MAX_DEPENDENCY_CHAIN) throw chainTooLongError(id);
}

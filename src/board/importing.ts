/**
 * `board.importTasks`: parsed rows (src/migrate) applied in one transaction, so an invalid
 * row leaves the board untouched. New ids are inserted with a CREATED event holding the whole
 * task (replay holds), then one NOTE event per seed-001 history entry; ids already on the
 * board are compared field by field and updated only where they differ (re-import of the
 * same file changes nothing). A dry run runs the very same transaction and rolls it back.
 */
import { cycleError, findCycle } from "../core/dependencies.js";
import { changedFields, taskEvent } from "../core/events.js";
import { highestPerPrefix, parseNumberedId } from "../core/ids.js";
import { toIso } from "../core/time.js";
import { AGENT_ID_PATTERN } from "../core/validation.js";
import { rowError } from "../migrate/rows.js";
import type { BoardPolicy } from "../core/policy.js";
import type { Task } from "../core/task.js";
import type { ImportFormat, ImportRow } from "../migrate/rows.js";
import type { Store, StoreWriter } from "../store/store.js";

export interface ImportPlan {
  format: ImportFormat;
  dryRun: boolean;
  created: string[];
  changed: { id: string; fields: string[] }[];
  unchanged: string[];
  warnings: string[];
  /** The counters of the prefixes the file uses, after the import. */
  counters: Record<string, number>;
}

class DryRun extends Error {
  constructor(readonly plan: ImportPlan) {
    super("dry run");
  }
}

export async function importRows(
  store: Store,
  rows: readonly ImportRow[],
  options: { format: ImportFormat; dryRun: boolean; agent: string | null; policy: BoardPolicy; now: (tx: StoreWriter) => Promise<number> },
): Promise<ImportPlan> {
  checkDuplicates(rows);
  try {
    return await store.transaction(async (tx) => {
      const plan = await apply(tx, rows, options, await options.now(tx));
      if (options.dryRun) throw new DryRun(plan);
      return plan;
    });
  } catch (error) {
    if (error instanceof DryRun) return error.plan;
    throw error;
  }
}

function checkDuplicates(rows: readonly ImportRow[]): void {
  const seen = new Map<string, number>();
  for (const row of rows) {
    const first = seen.get(row.id);
    if (first !== undefined) throw rowError(row.line, `task ${row.id} is already on line ${first}; ids must be unique`);
    seen.set(row.id, row.line);
  }
}

async function apply(
  tx: StoreWriter,
  rows: readonly ImportRow[],
  options: { format: ImportFormat; dryRun: boolean; agent: string | null; policy: BoardPolicy },
  now: number,
): Promise<ImportPlan> {
  const plan: ImportPlan = { format: options.format, dryRun: options.dryRun, created: [], changed: [], unchanged: [], warnings: [], counters: {} };
  const board = new Map((await tx.listTasks({})).map((t) => [t.id, t]));
  const inFile = new Set(rows.map((r) => r.id));
  const resolved = rows.map((row) => resolveDependencies(row, inFile, board, plan));
  checkCycles(resolved, board);
  const at = toIso(now);
  for (const row of resolved) {
    const existing = board.get(row.id);
    if (!existing) {
      const task = await newTask(tx, row, now, options, plan);
      await tx.insertTask(task);
      await tx.appendEvent(taskEvent(null, task, "CREATED", options.agent, `imported from ${options.format} line ${row.line}`, now));
      for (const entry of row.history) {
        await tx.appendEvent({
          at,
          type: "NOTE",
          taskId: task.id,
          agentId: entry.agentId !== null && AGENT_ID_PATTERN.test(entry.agentId) ? entry.agentId : null,
          from: null,
          to: null,
          details: `history: ${entry.event}${entry.details ? `: ${entry.details}` : ""}`,
          data: { history: { timestamp: entry.at, event: entry.event, agent_id: entry.agentId, details: entry.details } },
        });
      }
      plan.created.push(task.id);
      continue;
    }
    const after = await changedTask(tx, existing, row, now, options, plan);
    const fields = Object.keys(changedFields(existing, after)).filter((f) => f !== "updatedAt" && f !== "version");
    if (fields.length === 0) {
      plan.unchanged.push(row.id);
      continue;
    }
    await tx.updateTask(after, existing);
    await tx.appendEvent(taskEvent(existing, after, "UPDATED", options.agent, `re-imported from ${options.format} line ${row.line}: ${fields.join(", ")}`, now));
    plan.changed.push({ id: row.id, fields });
  }
  for (const [prefix, n] of highestPerPrefix(rows.map((r) => r.id))) await tx.raiseCounter(prefix, n);
  const counters = await tx.counters();
  for (const prefix of new Set(rows.flatMap((r) => parseNumberedId(r.id)?.prefix ?? []))) plan.counters[prefix] = counters[prefix] ?? 0;
  return plan;
}

/** A dependency on an id neither in the file nor on the board is dropped (and kept in metadata), with a warning. */
function resolveDependencies(row: ImportRow, inFile: ReadonlySet<string>, board: ReadonlyMap<string, Task>, plan: ImportPlan): ImportRow {
  const missing = row.dependsOn.filter((d) => !inFile.has(d) && !board.has(d));
  if (missing.length === 0) return row;
  plan.warnings.push(
    `line ${row.line}: ${row.id} depends on ${missing.join(", ")}, neither in the file nor on the board: dropped (kept in metadata.unresolved_dependencies)`,
  );
  return {
    ...row,
    dependsOn: row.dependsOn.filter((d) => !missing.includes(d)),
    metadata: { ...row.metadata, unresolved_dependencies: missing },
  };
}

function checkCycles(rows: readonly ImportRow[], board: ReadonlyMap<string, Task>): void {
  const edges = new Map<string, readonly string[]>([...board].map(([id, t]) => [id, t.dependsOn]));
  for (const row of rows) edges.set(row.id, row.dependsOn);
  for (const row of rows) {
    if (row.dependsOn.includes(row.id)) throw rowError(row.line, cycleError([row.id, row.id]).message);
    const cycle = findCycle(row.id, row.dependsOn, edges);
    if (cycle) throw rowError(row.line, cycleError(cycle).message);
  }
}

type RowContent = "title" | "description" | "metadata" | "result" | "status" | "priority" | "needs" | "dependsOn" | "assignedTo";

/** What a row decides about its task, the same whether the import creates it or changes it. */
function rowContent(row: ImportRow): Pick<Task, RowContent> {
  return {
    title: row.title,
    description: row.description,
    metadata: row.metadata,
    result: row.result,
    status: row.status,
    priority: row.priority,
    needs: row.needs,
    dependsOn: row.dependsOn,
    assignedTo: row.assignedTo,
  };
}

async function newTask(
  tx: StoreWriter,
  row: ImportRow,
  now: number,
  options: { agent: string | null; policy: BoardPolicy },
  plan: ImportPlan,
): Promise<Task> {
  const at = toIso(now);
  const task: Task = {
    id: row.id,
    ...rowContent(row),
    leaseToken: null,
    leaseExpiresAt: null,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts ?? options.policy.maxAttempts,
    nextAttemptAt: null,
    lastError: row.lastError,
    createdAt: row.createdAt ?? at,
    updatedAt: at,
    createdBy: options.agent,
    version: 1,
  };
  return settle(tx, task, null, row, now, options.policy, plan);
}

async function changedTask(
  tx: StoreWriter,
  existing: Task,
  row: ImportRow,
  now: number,
  options: { policy: BoardPolicy },
  plan: ImportPlan,
): Promise<Task> {
  const task: Task = {
    ...existing,
    ...rowContent(row),
    attempts: Math.max(existing.attempts, row.attempts),
    maxAttempts: row.maxAttempts ?? existing.maxAttempts,
    lastError: row.lastError ?? existing.lastError,
    updatedAt: toIso(now),
    version: existing.version + 1,
  };
  return settle(tx, task, existing, row, now, options.policy, plan);
}

/**
 * The fields a status implies. In progress: a lease from now (the holder may finish it with
 * its agent id; if nobody heartbeats, it times out like any lease); failed: its retry due now.
 */
async function settle(
  tx: StoreWriter,
  task: Task,
  existing: Task | null,
  row: ImportRow,
  now: number,
  policy: BoardPolicy,
  plan: ImportPlan,
): Promise<Task> {
  if (task.status === "in_progress" && task.assignedTo === null) {
    plan.warnings.push(`line ${row.line}: ${row.id} is in progress but names no holder: imported as pending`);
    task.status = "pending";
  }
  const keepsLease = existing?.status === "in_progress" && task.status === "in_progress" && existing.assignedTo === task.assignedTo;
  if (task.status === "in_progress" && !keepsLease) {
    if (task.assignedTo !== null && !AGENT_ID_PATTERN.test(task.assignedTo)) {
      throw rowError(row.line, `invalid holder ${JSON.stringify(task.assignedTo)}: an agent id is letters, digits, '.', '_', '@', ':' or '-'`);
    }
    task.leaseToken = await tx.nextLeaseToken();
    task.leaseExpiresAt = toIso(now + policy.leaseSeconds * 1000);
  } else if (task.status !== "in_progress") {
    task.leaseExpiresAt = null;
  }
  if (task.status === "failed") {
    task.attempts = Math.max(1, task.attempts);
    task.nextAttemptAt = existing?.status === "failed" ? existing.nextAttemptAt : toIso(now);
  } else task.nextAttemptAt = null;
  return task;
}

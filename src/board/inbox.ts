/**
 * Seed 003's inbox (`{"tasks": [ … ]}`, default .baton/inbox.json): tasks submitted with ids
 * reserved beforehand. `processInbox` validates each entry (core/reserved-ids.ts) and adds the
 * accepted ones in one transaction; `processInboxFile` does that under the inbox's lock file
 * (store/json/lock-file.ts, the same O_EXCL protocol as tasks.lock), then rewrites the inbox
 * with only the rejected entries, each with its reason, so accepting and removing are one step
 * for anyone who appends under the lock (`appendToInbox`).
 */
import { existsSync, readFileSync } from "node:fs";
import { BatonError, ErrorCode } from "../core/errors.js";
import { taskEvent } from "../core/events.js";
import { parseNumberedId } from "../core/ids.js";
import { reservedIdRefusal } from "../core/reserved-ids.js";
import { toIso } from "../core/time.js";
import { replaceFile } from "../store/json/atomic-write.js";
import { LockFile } from "../store/json/lock-file.js";
import { blankRow, checkedCapabilities, checkedId, checkedTitle, priorityOf } from "../migrate/rows.js";
import type { BoardPolicy } from "../core/policy.js";
import type { Task } from "../core/task.js";
import type { Store, StoreWriter } from "../store/store.js";

export interface InboxOutcome {
  accepted: string[];
  rejected: { id: unknown; reason: string }[];
}

/** Fields an inbox entry may give; any other (seed 003's source, files…) goes to metadata. */
const ENTRY_FIELDS = new Set(["id", "title", "description", "priority", "needs", "dependsOn", "depends_on", "rejected"]);

export async function processInbox(
  store: Store,
  entries: readonly unknown[],
  options: { agent: string | null; policy: BoardPolicy; now: (tx: StoreWriter) => Promise<number> },
): Promise<InboxOutcome & { verdicts: (string | null)[] }> {
  return store.transaction(async (tx) => {
    const now = await options.now(tx);
    const counters = await tx.counters();
    const outcome: InboxOutcome & { verdicts: (string | null)[] } = { accepted: [], rejected: [], verdicts: [] };
    const taken = new Set<string>();
    for (const [i, entry] of entries.entries()) {
      const reason = await accept(tx, entry, i, counters, taken, now, options);
      outcome.verdicts.push(reason);
      const id = (entry as { id?: unknown } | null)?.id;
      if (reason === null) outcome.accepted.push(id as string);
      else outcome.rejected.push({ id: id ?? null, reason });
    }
    return outcome;
  });
}

/** Adds one entry, or says why not. */
async function accept(
  tx: StoreWriter,
  entry: unknown,
  index: number,
  counters: Record<string, number>,
  taken: Set<string>,
  now: number,
  options: { agent: string | null; policy: BoardPolicy },
): Promise<string | null> {
  let task: Task;
  try {
    task = taskOf(entry, now, options);
  } catch (error) {
    if (error instanceof BatonError) return `entry #${index + 1}: ${error.message.replace(/^line 0: /, "").replace(/; nothing was imported$/, "")}`;
    throw error;
  }
  const refusal = reservedIdRefusal(task.id, counters);
  if (refusal) return refusal;
  const existing = taken.has(task.id) ? undefined : await tx.getTask(task.id);
  if (taken.has(task.id) || existing) {
    // The same task again (a process that died between adding and rewriting the inbox): done.
    if (existing && existing.title === task.title && !taken.has(task.id)) {
      taken.add(task.id);
      return null;
    }
    return `Task ID ${task.id} is already used. Run: baton reserve ${parseNumberedId(task.id)?.prefix ?? "PREFIX"} for a new ID.`;
  }
  const missing = (await tx.getTasks(task.dependsOn)).length !== task.dependsOn.length;
  if (missing) return `Task ${task.id} depends on a task that does not exist (${task.dependsOn.join(", ")})`;
  taken.add(task.id);
  await tx.insertTask(task);
  await tx.appendEvent(taskEvent(null, task, "CREATED", options.agent, `created "${task.title}" from the inbox`, now));
  return null;
}

function taskOf(entry: unknown, now: number, options: { agent: string | null; policy: BoardPolicy }): Task {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new BatonError(ErrorCode.INVALID_INPUT, `an inbox entry is an object like {"id":"SEC-20","title":"…"}, not ${JSON.stringify(entry)}`);
  }
  const e = entry as Record<string, unknown>;
  const row = blankRow(0, checkedId(e.id, 0), checkedTitle(e.title, 0));
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
  const at = toIso(now);
  return {
    ...row,
    description: typeof e.description === "string" ? e.description : "",
    metadata: Object.fromEntries(Object.entries(e).filter(([k]) => !ENTRY_FIELDS.has(k))),
    priority: priorityOf(e.priority, 0),
    needs: checkedCapabilities(list(e.needs), 0),
    dependsOn: list(e.dependsOn ?? e.depends_on).map((d) => checkedId(d, 0)),
    result: null,
    leaseToken: null,
    leaseExpiresAt: null,
    maxAttempts: options.policy.maxAttempts,
    nextAttemptAt: null,
    createdAt: at,
    updatedAt: at,
    createdBy: options.agent,
    version: 1,
  };
}

// ── the inbox file ──────────────────────────────────────────────────────────────────────

const LOCK_TIMEOUT_MS = 10_000;
const STALE_LOCK_MS = 30_000;

export async function withInboxLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = new LockFile(`${path}.lock`, `${path}.lock.breaking`, {
    timeoutMs: LOCK_TIMEOUT_MS,
    staleMs: STALE_LOCK_MS,
    agentId: process.env.BATON_AGENT ?? `baton-${process.pid}`,
  });
  await lock.acquire();
  lock.breaksLogged();
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

export function readInbox(path: string): unknown[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  if (text.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BatonError(ErrorCode.INVALID_INPUT, `${path} is not valid JSON (${(error as Error).message}); fix it by hand, it was left as it is`);
  }
  const tasks = (parsed as { tasks?: unknown } | null)?.tasks;
  if (!Array.isArray(tasks)) {
    throw new BatonError(ErrorCode.INVALID_INPUT, `${path} must hold {"tasks": [ … ]}; it was left as it is`);
  }
  return tasks;
}

export function writeInbox(path: string, tasks: readonly unknown[]): void {
  replaceFile(path, `${path}.${process.pid}.tmp`, `${JSON.stringify({ tasks }, null, 2)}\n`, false);
}

/** Appends tasks to the inbox under its lock (what a submitter does). */
export async function appendToInbox(path: string, tasks: readonly unknown[]): Promise<void> {
  await withInboxLock(path, async () => writeInbox(path, [...readInbox(path), ...tasks]));
}

/** Processes the inbox file: accepted entries leave it, rejected ones stay with their reason. */
export async function processInboxFile(
  store: Store,
  path: string,
  options: { agent: string | null; policy: BoardPolicy; now: (tx: StoreWriter) => Promise<number> },
): Promise<InboxOutcome> {
  return withInboxLock(path, async () => {
    const entries = readInbox(path);
    if (entries.length === 0) return { accepted: [], rejected: [] };
    const { verdicts, ...outcome } = await processInbox(store, entries, options);
    const left = entries.flatMap((entry, i) => {
      const reason = verdicts[i];
      if (reason === null || reason === undefined) return [];
      const isObject = typeof entry === "object" && entry !== null && !Array.isArray(entry);
      return [isObject ? { ...(entry as Record<string, unknown>), rejected: reason } : { entry, rejected: reason }];
    });
    writeInbox(path, left);
    return outcome;
  });
}

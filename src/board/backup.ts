/**
 * Backup and restore at the board level: the store makes the copy (Store.backup/restore);
 * this checks it — the store's integrity checks plus a replay of every task's events against
 * the task as stored (SPEC §3.4) — before anything is replaced.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BatonError, ErrorCode, invalidInput } from "../core/errors.js";
import { changedFields, replayTask } from "../core/events.js";
import { openBackupCopy } from "../store/backup-copy.js";
import type { Task } from "../core/task.js";
import type { Store, StoreCheck, StoreReader } from "../store/store.js";

export interface CopyVerdict {
  ok: boolean;
  tasks: number;
  events: number;
  checks: StoreCheck[];
  /** Tasks whose events do not replay to the stored task. */
  replayMismatches: string[];
}

const PG_DUMP =
  "a PostgreSQL board is backed up with PostgreSQL's own tools, not by baton: " +
  "pg_dump --format=custom --table='baton_*' --file=FILE \"$DATABASE_URL\" (restore with pg_restore --clean); see docs/operations.md";

/** Tasks whose audit trail does not fold back into the task as stored. */
export async function replayMismatches(tx: StoreReader): Promise<string[]> {
  const events = new Map<string, { data: Record<string, unknown> }[]>();
  for (const event of await tx.listEvents({})) {
    if (event.taskId === null) continue;
    const list = events.get(event.taskId) ?? [];
    list.push(event);
    events.set(event.taskId, list);
  }
  const mismatched: string[] = [];
  for (const task of await tx.listTasks({})) {
    const replayed = replayTask(events.get(task.id) ?? []);
    if (!replayed || Object.keys(changedFields(replayed as Task, task)).length > 0) mismatched.push(task.id);
  }
  return mismatched;
}

export async function verifyStore(store: Store): Promise<CopyVerdict> {
  const checks = store.inspect ? await store.inspect({ integrity: true }) : [];
  const { tasks, events, mismatches } = await store.read(async (tx) => ({
    tasks: (await tx.listTasks({})).length,
    events: (await tx.listEvents({})).length,
    mismatches: await replayMismatches(tx),
  }));
  const ok = checks.every((c) => c.ok || c.name === "stale lock") && mismatches.length === 0;
  return { ok, tasks, events, checks, replayMismatches: mismatches };
}

export async function verifyBackup(kind: Store["kind"], file: string): Promise<CopyVerdict> {
  const copy = await openBackupCopy(kind, file);
  try {
    return await verifyStore(copy.store);
  } finally {
    await copy.dispose();
  }
}

function failedVerdict(file: string, verdict: CopyVerdict): BatonError {
  const problems = [
    ...verdict.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`),
    ...(verdict.replayMismatches.length ? [`replay differs for ${verdict.replayMismatches.slice(0, 5).join(", ")}`] : []),
  ];
  return new BatonError(ErrorCode.CORRUPT_STORE, `the backup ${file} failed verification: ${problems.join("; ")}; nothing was replaced`, {
    file,
  });
}

export async function backupBoard(store: Store, file: string): Promise<CopyVerdict> {
  if (!store.backup) throw invalidInput(PG_DUMP);
  const target = resolve(file);
  if (!existsSync(dirname(target)) || !statSync(dirname(target)).isDirectory()) {
    throw invalidInput(`cannot write the backup ${file}: the directory ${dirname(target)} does not exist`);
  }
  if (existsSync(target) && statSync(target).isDirectory()) throw invalidInput(`cannot write the backup ${file}: it is a directory`);
  if (target === resolve(store.location)) throw invalidInput(`the backup ${file} would overwrite the board itself; write it elsewhere`);
  await store.backup(target);
  const verdict = await verifyBackup(store.kind, target);
  if (!verdict.ok) throw failedVerdict(file, verdict);
  return verdict;
}

/**
 * Verifies the backup, then replaces the board with it. A board that holds tasks or events is
 * live: replacing it needs `force`.
 */
export async function restoreBoard(store: Store, file: string, force: boolean): Promise<CopyVerdict> {
  if (!store.restore) throw invalidInput(PG_DUMP.replace("backed up", "restored"));
  const verdict = await verifyBackup(store.kind, resolve(file));
  if (!verdict.ok) throw failedVerdict(file, verdict);
  const live = await store.read(async (tx) => ({
    tasks: (await tx.listTasks({ limit: 1 })).length + (await tx.listEvents({ limit: 1 })).length,
  }));
  if (live.tasks > 0 && !force) {
    throw new BatonError(
      ErrorCode.CONFLICT,
      `the board ${store.location} is live (it has tasks or events); restoring would replace it: stop its agents and pass --force`,
      { location: store.location },
    );
  }
  await store.restore(resolve(file));
  return verdict;
}

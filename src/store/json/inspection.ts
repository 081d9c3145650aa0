/**
 * Looking at a JSON board without touching it, for `baton health` and the monitor: the files
 * read as they are (no tasks.lock taken, so a stale lock is seen, not broken), the file's
 * invariants checked, and the lock judged. Commits are renames, so each file read is a whole
 * version; a commit cut short by a crash is seen as not yet made.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { BoardState } from "./board-state.js";
import { readArchives } from "./archive-manifest.js";
import { readEvents } from "./audit-file.js";
import { isProcessAlive, judgeLock } from "./lock-record.js";
import { hasPreviousVersion, restoreAdvice } from "./restore-advice.js";
import { readCounters } from "./sidecar-files.js";
import { TasksCodec } from "./tasks-file.js";
import type { BoardPaths } from "./paths.js";
import type { SidecarJournal } from "./sidecar-journal.js";
import type { TasksVersion } from "./tasks-file.js";
import type { StoreCheck, StoreReader } from "../store.js";

/** A read of the board's files as they are, without the lock. */
export async function peekBoard<T>(
  paths: BoardPaths,
  journal: SidecarJournal,
  fn: (tx: StoreReader) => Promise<T>,
): Promise<T> {
  const tasks = readTasksFile(paths);
  const loaded = {
    ...tasks,
    meta: journal.read().meta,
    counters: readCounters(paths.counters),
    readEvents: () => readEvents(paths.audit),
    readArchives: () => readArchives(paths.archives),
  };
  return fn(new BoardState(loaded).writer);
}

function readTasksFile(paths: BoardPaths): TasksVersion {
  const tasks = new TasksCodec(paths.tasks).read();
  if (tasks === null) throw new BatonError(ErrorCode.CORRUPT_STORE, `${paths.tasks} has disappeared; ${restoreAdvice(paths.tasks, paths.backup, true)}`);
  return tasks;
}

export function inspectJsonBoard(paths: BoardPaths, journal: SidecarJournal, staleMs: number): StoreCheck[] {
  return [fileCheck(paths, journal), lockCheck(paths.lock, staleMs, "tasks.lock"), breakingCheck(paths.breaking)];
}

/** tasks.json and its sidecars parse, and the tasks keep the board's invariants. */
function fileCheck(paths: BoardPaths, journal: SidecarJournal): StoreCheck {
  const name = "integrity";
  let tasks: TasksVersion;
  try {
    tasks = readTasksFile(paths);
    journal.read();
    readCounters(paths.counters);
  } catch (error) {
    return {
      name,
      ok: false,
      detail: (error as Error).message,
      fix: hasPreviousVersion(paths.backup)
        ? `restore the board (\`baton restore FILE\`) or the previous version ${paths.backup}; the file was left untouched`
        : `restore the board (\`baton restore FILE\`) or fix the file by hand (there is no ${paths.backup}); the file was left untouched`,
    };
  }
  const problems: string[] = [];
  const ids = new Set(tasks.entries.map((e) => e.task.id));
  for (const { task } of tasks.entries) {
    if (task.status === "in_progress" && (task.assignedTo === null || task.leaseToken === null || task.leaseExpiresAt === null)) {
      problems.push(`${task.id} is in progress without a holder, token and lease`);
    }
    for (const dep of task.dependsOn) if (!ids.has(dep)) problems.push(`${task.id} depends on ${dep}, which does not exist`);
    if (task.attempts > task.maxAttempts) problems.push(`${task.id} has ${task.attempts} attempts of ${task.maxAttempts}`);
  }
  if (problems.length > 0) {
    return {
      name,
      ok: false,
      detail: `${paths.tasks}: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`,
      fix: "edit the named tasks by hand (or `baton update`/`baton cancel` them), or restore a backup",
    };
  }
  return { name, ok: true, detail: `${paths.tasks}: ${tasks.entries.length} task(s), invariants hold` };
}

/** A lock file left behind: stale (old and its process gone) is a problem; a live one is not. */
export function lockCheck(path: string, staleMs: number, what: string): StoreCheck {
  const name = "stale lock";
  let content: string;
  let mtimeMs: number;
  try {
    content = readFileSync(path, "utf8");
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return { name, ok: true, detail: `no ${what} held` };
  }
  const judgement = judgeLock({ content, mtimeMs, nowMs: Date.now(), staleMs, hostname: hostname(), isAlive: isProcessAlive });
  if (!judgement.stale) return { name, ok: true, detail: `${what} held by ${judgement.holder} (not stale: ${judgement.reason})` };
  return {
    name,
    ok: false,
    detail: `${path} is stale: held by ${judgement.holder}; ${judgement.reason}`,
    fix: "`baton heal` (or a running `baton monitor`) breaks it safely and logs LOCK_BROKEN",
  };
}

function breakingCheck(path: string): StoreCheck {
  const name = "lock breaking";
  if (!existsSync(path)) return { name, ok: true, detail: "no lock break under way" };
  const ageMs = Date.now() - statSync(path).mtimeMs;
  // A breaker holds it for milliseconds (lock-file.ts); older is a breaker that died.
  if (ageMs < 5_000) return { name, ok: true, detail: "a stale lock is being broken now" };
  return {
    name,
    ok: false,
    detail: `${path} was left by a breaker that died ${Math.round(ageMs / 1000)} s ago`,
    fix: "the next `baton heal` (or any write) adopts it and logs the break",
  };
}

/**
 * Committing one transaction across tasks.json, the audit file and the counters — atomically,
 * although no filesystem renames three files at once. baton's sidecar journal
 * (tasks.baton.jsonl, sidecar-journal.ts) is the journal, and appending its line is the commit
 * point:
 *
 *   1. write the next tasks.json to a unique temp file   (full: fsync it)
 *   2. append the sidecar line with `pending` = what is left to do: rename the temp over
 *      tasks.json, append these audit lines at this offset, write these counters
 *      (full: fsync the journal)   ── committed ──
 *   3. apply `pending`: hard-link tasks.json to tasks.json.bak, rename the temp over it,
 *      append the audit lines, replace the counters file   (full: fsync dir and audit)
 *
 * A crash before 2 leaves an orphan temp file (or a torn journal line, ignored) and nothing
 * else. A crash after 2 leaves the lock behind; whoever breaks it runs step 3 again
 * (`applyPending` is idempotent) before reading anything. If tasks.json changed meanwhile (a
 * hand-following agent removed the lock by hand and wrote the file), the rename is not done
 * and the commit's audit lines and counters are dropped with it: the hand agent's version
 * wins, whole.
 */
import { existsSync, linkSync, renameSync, statSync, truncateSync, unlinkSync, openSync, writeSync, fsyncSync, closeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { fsyncDirectory, replaceFile, writeFileDurably } from "./atomic-write.js";
import type { BoardPaths } from "./paths.js";
import type { MetaFile, PendingCommit } from "./sidecar-files.js";
import type { SidecarJournal, SidecarRead } from "./sidecar-journal.js";

export interface CommitChanges<Tasks = Uint8Array> {
  /** The next tasks.json, or null when no task changed. */
  tasks: Tasks | null;
  /** inode:size:mtime of the tasks.json the change was computed from (when `tasks` is set). */
  tasksRead?: string;
  meta: Omit<MetaFile, "pending">;
  auditLines: string;
  /** The next counters file's content, or null when no counter changed. */
  counters: Record<string, unknown> | null;
}

/** What a commit did: its pending work (now done) and the sidecar after it. */
export interface Committed {
  pending: PendingCommit;
  sidecar: SidecarRead;
}

export function commit(
  paths: BoardPaths,
  journal: SidecarJournal,
  read: SidecarRead,
  changes: CommitChanges,
  durable: boolean,
): Committed {
  // The pid in the id lets a breaker remove the temp files of a writer that died (leftovers.ts).
  const id = `${process.pid}-${randomBytes(6).toString("hex")}`;
  let tasksTemp: string | null = null;
  if (changes.tasks !== null) {
    tasksTemp = paths.tasksTemp(id);
    writeFileDurably(tasksTemp, changes.tasks, durable);
  }
  const pending: PendingCommit = {
    id,
    tasks_temp: tasksTemp === null ? null : tasksTemp.slice(paths.dir.length + 1),
    // The version read at the start of the transaction: a rewrite by a program ignoring the
    // lock, at any moment since, drops this commit (CONFLICT) instead of being overwritten.
    tasks_before: changes.tasksRead ?? identityOf(paths.tasks),
    audit_from: sizeOf(paths.audit),
    audit_lines: changes.auditLines,
    counters: changes.counters,
  };
  const sidecar = journal.append({ ...changes.meta, pending }, read);
  const applied = applyPending(paths, pending, durable, true);
  if (!applied) {
    // Forget it, or the next holder — finding the temp file gone — would take it for done.
    journal.append(withoutPending(sidecar.meta), sidecar);
    throw new BatonError(
      ErrorCode.CONFLICT,
      `${paths.tasks} was rewritten by another program while baton held ${paths.lock}; this change was not saved. ` +
        "Every agent must hold the lock to write tasks.json (seed 001 §5); retry",
      { location: paths.tasks },
    );
  }
  return { pending, sidecar };
}

/**
 * The sidecar as if its pending commit had never been made: a dropped commit's events were
 * never appended, so the audit seq goes back (its lease tokens stay used: they only must rise).
 */
export function withoutPending(meta: MetaFile): MetaFile {
  const events = meta.pending?.audit_lines.split("\n").length ?? 1;
  return { ...meta, audit_seq: meta.audit_seq - (events - 1), pending: null };
}

/**
 * Finishes a committed transaction; safe to run any number of times. False when tasks.json
 * was changed by someone else before the rename, so the transaction was dropped instead. `countersText` is the counters file as read, so that counters already written are
 * not written again.
 */
export function applyPending(
  paths: BoardPaths,
  pending: PendingCommit,
  durable: boolean,
  justWritten = false,
  countersText: string | null = null,
): boolean {
  if (pending.tasks_temp !== null) {
    const temp = join(paths.dir, pending.tasks_temp);
    // Just written under the lock we still hold: the temp file is there (saves a stat).
    const tempThere = justWritten || existsSync(temp);
    const untouched = identityOf(paths.tasks) === pending.tasks_before;
    if (tempThere) {
      if (!untouched) {
        unlinkSync(temp);
        return false;
      }
      keepBackup(paths);
      renameSync(temp, paths.tasks);
      if (durable) fsyncDirectory(paths.tasks);
    } else if (untouched) {
      return false; // the temp never reached the disk (power loss before it was durable)
    }
  }
  appendOnce(paths.audit, pending.audit_from, pending.audit_lines, durable);
  if (pending.counters !== null) {
    const text = `${JSON.stringify(pending.counters, null, 2)}\n`;
    if (text !== countersText) replaceFile(paths.counters, `${paths.counters}.${pending.id}.tmp`, text, durable);
  }
  return true;
}

/** inode:size:mtime — changes with every rename and every in-place write. */
export function identityOf(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

/** tasks.json.bak: the version being replaced (a hard link: no copy). */
function keepBackup(paths: BoardPaths): void {
  const temp = `${paths.backup}.tmp`;
  try {
    linkSync(paths.tasks, temp);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return; // no previous version
    if (code !== "EEXIST") throw error;
    unlinkSync(temp); // left by a crash between link and rename
    linkSync(paths.tasks, temp);
  }
  renameSync(temp, paths.backup);
}

/** Appends `lines` at offset `from` unless they are there already; cuts a torn append first. */
function appendOnce(path: string, from: number, lines: string, durable: boolean): void {
  if (lines === "") return;
  const size = sizeOf(path);
  const length = Buffer.byteLength(lines);
  if (size >= from + length) return;
  if (size > from) truncateSync(path, from);
  const fd = openSync(path, "a");
  try {
    writeSync(fd, lines);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

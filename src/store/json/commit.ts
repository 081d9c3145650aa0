/**
 * Committing one transaction across tasks.json, the audit file and the counters — atomically,
 * although no filesystem renames three files at once. baton's sidecar journal
 * (tasks.baton.jsonl, sidecar-journal.ts) is the journal, and appending its line is the commit
 * point:
 *
 *   1. write the next tasks.json and the next counters to unique temp files, and open the
 *      audit file for appending   (full: fsync the temp files)
 *   2. append the sidecar line with `pending` = what is left to do: rename the temp over
 *      tasks.json, append these audit lines at this offset, write these counters
 *      (full: fsync the journal)   ── committed ──
 *   3. apply `pending`: hard-link tasks.json to tasks.json.bak, rename the temp over it,
 *      rename the counters temp, append the audit lines   (full: fsync dir and audit)
 *
 * Everything that can fail for want of space or permission (the temp files' data, opening the
 * audit file, the journal line) is done before the commit point: a failure there removes the
 * temp files and cuts the journal line, so a failed commit leaves nothing and is reported as
 * STORE_UNAVAILABLE. After it, what is left is renames and one small append; should one fail
 * (a disk filling up in between), the commit stands — it is in the journal — and every next
 * transaction, in any process, finishes it before reading anything, so the operation is
 * answered as done (an agent retrying a "failed" add would duplicate the task).
 *
 * A crash before 2 leaves an orphan temp file (or a torn journal line, ignored) and nothing
 * else. A crash after 2 leaves the lock behind; whoever breaks it runs step 3 again
 * (`applyPending` is idempotent) before reading anything. If tasks.json changed meanwhile (a
 * hand-following agent removed the lock by hand and wrote the file), the rename is not done
 * and the commit's audit lines and counters are dropped with it: the hand agent's version
 * wins, whole.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, linkSync, lstatSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { auditRewritten, finishRotation } from "./archive-manifest.js";
import { fsyncDirectory, removeQuietly, replaceFile, writeFileDurably } from "./atomic-write.js";
import { OpenMode, openRegular, storeError } from "./regular-files.js";
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
  /** An `audit rotate` (archive-manifest.ts), in the journal's form. */
  rotate?: Record<string, unknown> | null;
}

/**
 * What a commit did: its pending work and the sidecar after it. `finished` is false when the
 * work after the commit point failed (it is then left to the next transaction to finish).
 */
export interface Committed {
  pending: PendingCommit;
  sidecar: SidecarRead;
  finished: boolean;
}

export function commit(
  paths: BoardPaths,
  journal: SidecarJournal,
  read: SidecarRead,
  changes: CommitChanges,
  durable: boolean,
): Committed {
  // The pid in the id lets a breaker remove the temp files of a writer that died (temp-file-sweep.ts).
  const id = `${process.pid}-${randomBytes(6).toString("hex")}`;
  const temps: string[] = [];
  let audit: number | null = null;
  let pending: PendingCommit;
  let sidecar: SidecarRead;
  try {
    let tasksTemp: string | null = null;
    if (changes.tasks !== null) {
      tasksTemp = paths.tasksTemp(id);
      temps.push(tasksTemp);
      writeFileDurably(tasksTemp, changes.tasks, durable);
    }
    if (changes.counters !== null) {
      temps.push(countersTemp(paths, id));
      writeFileDurably(countersTemp(paths, id), countersFileText(changes.counters), durable);
    }
    if (changes.auditLines !== "") audit = openRegular(paths.audit, OpenMode.append);
    pending = {
      id,
      tasks_temp: tasksTemp === null ? null : tasksTemp.slice(paths.dir.length + 1),
      // The version read at the start of the transaction: a rewrite by a program ignoring the
      // lock, at any moment since, drops this commit (CONFLICT) instead of being overwritten.
      tasks_before: changes.tasksRead ?? identityOf(paths.tasks),
      audit_from: audit === null ? sizeOf(paths.audit) : fstatSync(audit).size,
      audit_lines: changes.auditLines,
      counters: changes.counters,
      ...(changes.rotate ? { rotate: changes.rotate } : {}),
    };
    sidecar = journal.append({ ...changes.meta, pending }, read);
  } catch (error) {
    if (audit !== null) closeSync(audit);
    for (const temp of temps) removeQuietly(temp);
    throw storeError(paths.tasks, error, "write", "nothing was saved");
  }
  // ── committed ──
  let applied: boolean;
  try {
    applied = applyPending(paths, pending, durable, { justWritten: true, audit });
  } catch {
    // The commit is in the journal; the next transaction (this process's or another's) finishes
    // it before it reads anything, or reports why it cannot.
    return { pending, sidecar, finished: false };
  } finally {
    if (audit !== null) closeSync(audit);
  }
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
  return { pending, sidecar, finished: true };
}

/**
 * The sidecar as if its pending commit had never been made: a dropped commit's events were
 * never appended, so the audit seq goes back (its lease tokens stay used: they only must rise).
 */
export function withoutPending(meta: MetaFile): MetaFile {
  const events = meta.pending?.audit_lines.split("\n").length ?? 1;
  return { ...meta, audit_seq: meta.audit_seq - (events - 1), pending: null };
}

export interface ApplyOptions {
  /** Run by the commit itself, under the lock it still holds: its temp files are there. */
  justWritten?: boolean;
  /** The audit file, already open for appending (by the commit). */
  audit?: number | null;
  /** The counters file as read, so that counters already written are not written again. */
  countersText?: string | null;
}

/**
 * Finishes a committed transaction; safe to run any number of times. False when tasks.json
 * was changed by someone else before the rename, so the transaction was dropped instead.
 */
export function applyPending(paths: BoardPaths, pending: PendingCommit, durable: boolean, options: ApplyOptions = {}): boolean {
  const { justWritten = false, audit = null, countersText = null } = options;
  if (pending.tasks_temp !== null) {
    const temp = join(paths.dir, pending.tasks_temp);
    // Just written under the lock we still hold: the temp file is there (saves a stat).
    const tempThere = justWritten || existsSync(temp);
    const untouched = identityOf(paths.tasks) === pending.tasks_before;
    if (tempThere) {
      if (!untouched) {
        unlinkSync(temp);
        removeQuietly(countersTemp(paths, pending.id));
        return false;
      }
      keepBackup(paths);
      renameSync(temp, paths.tasks);
      if (durable) fsyncDirectory(paths.tasks);
    } else if (untouched) {
      return false; // the temp never reached the disk (power loss before it was durable)
    }
  }
  if (pending.counters !== null) {
    const temp = countersTemp(paths, pending.id);
    if (justWritten) {
      renameSync(temp, paths.counters);
      if (durable) fsyncDirectory(paths.counters);
    } else {
      const text = countersFileText(pending.counters);
      if (text !== countersText) replaceFile(paths.counters, temp, text, durable);
    }
  }
  const rotate = pending.rotate ?? null;
  // A rotation rewrote the audit file after this append: the offsets no longer apply, and the
  // lines are there (archive-manifest.ts).
  if (rotate !== null && auditRewritten(paths.audit, rotate.to_seq as number)) return true;
  // Last: the only step here that needs free space, so a full disk leaves no temp file behind.
  appendOnce(paths.audit, audit, pending.audit_from, pending.audit_lines, durable);
  if (rotate !== null) finishRotation(paths, rotate, durable);
  return true;
}

function countersTemp(paths: BoardPaths, id: string): string {
  return `${paths.counters}.${id}.tmp`;
}

function countersFileText(counters: Record<string, unknown>): string {
  return `${JSON.stringify(counters, null, 2)}\n`;
}

/** inode:size:mtime — changes with every rename and every in-place write. Never follows a link. */
export function identityOf(path: string): string {
  try {
    const s = lstatSync(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
}

function sizeOf(path: string): number {
  try {
    return lstatSync(path).size;
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

/**
 * Appends `lines` at offset `from` unless they are there already; cuts a torn append first.
 * Through `fd` when the caller opened the file, else opened here (never through a link).
 */
function appendOnce(path: string, fd: number | null, from: number, lines: string, durable: boolean): void {
  if (lines === "") return;
  // Already there (a finished commit run again): nothing to open, even if the file is read-only.
  if (fd === null && sizeOf(path) >= from + Buffer.byteLength(lines)) return;
  const own = fd === null ? (openRegular(path, OpenMode.append) as number) : null;
  const file = own ?? (fd as number);
  try {
    const size = fstatSync(file).size;
    const bytes = Buffer.from(lines);
    if (size >= from + bytes.length) return;
    if (size > from) ftruncateSync(file, from);
    for (let done = 0; done < bytes.length; ) done += writeSync(file, bytes, done, bytes.length - done);
    if (durable) fsyncSync(file);
  } finally {
    if (own !== null) closeSync(own);
  }
}

/**
 * A JSON board's audit archives (`baton audit rotate`): `tasks.archives.json` beside
 * tasks.json lists them (`{"archives":[{file, from_seq, to_seq, …}]}`), and a rotation's
 * commit rewrites tasks.audit.jsonl without the archived lines.
 *
 * A rotation is one commit of the usual protocol (commit.ts): its ROTATED line is appended
 * like any event, and its pending work in the journal adds `rotate`, finished by
 * `finishRotation` after the append — the manifest first, then the audit file. Both steps are
 * renames of whole files and are skipped once done, so whoever finishes the commit after a
 * crash runs them again safely; between the two, readers already read the archived seqs from
 * the archive, never twice (src/store/archived-events.ts reads the table only above it).
 */
import { closeSync, readSync } from "node:fs";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { replaceFile } from "./atomic-write.js";
import { OpenMode, openRegular } from "./regular-files.js";
import { readText } from "./sidecar-files.js";
import type { EventArchive } from "../store.js";
import type { BoardPaths } from "./paths.js";

interface ArchiveEntry {
  file: string;
  from_seq: number;
  to_seq: number;
  count: number;
  first_at: string;
  last_at: string;
  sha256: string;
  bytes: number;
  rotated_at: string;
}

const toEntry = (a: EventArchive): ArchiveEntry => ({
  file: a.file,
  from_seq: a.fromSeq,
  to_seq: a.toSeq,
  count: a.count,
  first_at: a.firstAt,
  last_at: a.lastAt,
  sha256: a.sha256,
  bytes: a.bytes,
  rotated_at: a.rotatedAt,
});

const fromEntry = (e: ArchiveEntry): EventArchive => ({
  file: e.file,
  fromSeq: e.from_seq,
  toSeq: e.to_seq,
  count: e.count,
  firstAt: e.first_at,
  lastAt: e.last_at,
  sha256: e.sha256,
  bytes: e.bytes,
  rotatedAt: e.rotated_at,
});

export function readArchives(path: string): EventArchive[] {
  const text = readText(path);
  if (text === null) return [];
  let entries: unknown;
  try {
    entries = (JSON.parse(text) as { archives?: unknown }).archives;
  } catch (error) {
    entries = (error as Error).message;
  }
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== "object" || e === null || typeof (e as ArchiveEntry).to_seq !== "number")) {
    throw new BatonError(
      ErrorCode.CORRUPT_STORE,
      `${path} is invalid (expected {"archives":[{"file":…,"from_seq":1,"to_seq":…}]}); baton left it untouched: restore it from a backup`,
      { location: path },
    );
  }
  return (entries as ArchiveEntry[]).map(fromEntry);
}

/** The journal's form of an archive (snake_case, like every sidecar). */
export const archiveToPending = toEntry;

/** Finishes a rotation's commit; each step is skipped when already done. */
export function finishRotation(paths: BoardPaths, pending: Record<string, unknown>, durable: boolean): void {
  const archive = fromEntry(pending as unknown as ArchiveEntry);
  const archives = readArchives(paths.archives);
  if (!archives.some((a) => a.fromSeq === archive.fromSeq)) {
    const text = `${JSON.stringify({ archives: [...archives, archive].map(toEntry) }, null, 2)}\n`;
    replaceFile(paths.archives, `${paths.archives}.tmp`, text, durable);
  }
  if (!auditRewritten(paths.audit, archive.toSeq)) {
    const text = readText(paths.audit) ?? "";
    const kept = text
      .split("\n")
      .slice(0, -1) // after the last newline: empty (the commit's append is whole by now)
      .filter((line) => (JSON.parse(line) as { seq: number }).seq > archive.toSeq);
    replaceFile(paths.audit, `${paths.audit}.rotate.tmp`, kept.map((l) => `${l}\n`).join(""), durable);
  }
}

/**
 * Whether the audit file no longer holds the archived seqs: its first line is above them.
 * Reads only that line (the file is read whenever a commit is finished).
 */
export function auditRewritten(path: string, toSeq: number): boolean {
  const fd = openRegular(path, OpenMode.read);
  if (fd === null) return false;
  try {
    let head = Buffer.alloc(0);
    const buffer = Buffer.alloc(16 * 1024);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) return false; // no whole line: the ROTATED line is not appended yet
      head = Buffer.concat([head, buffer.subarray(0, n)]);
      const end = head.indexOf(0x0a);
      if (end >= 0) return (JSON.parse(head.toString("utf8", 0, end)) as { seq: number }).seq > toSeq;
    }
  } finally {
    closeSync(fd);
  }
}

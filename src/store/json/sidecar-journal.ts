/**
 * baton's sidecar, kept as a journal: `tasks.baton.jsonl` gets one line per commit — the whole
 * sidecar after it, with that commit's pending work (commit.ts) — and its last whole line is
 * the current sidecar. `tasks.baton.json` is a snapshot, current only while the journal is
 * empty: when the journal passes COMPACT_AT bytes, the snapshot is rewritten and the journal
 * emptied. Appending a line is the commit point of a transaction.
 *
 * Why not rewrite tasks.baton.json (temp file + rename) at every commit, as before: replacing
 * a file by rename makes ext4 start writing the new file out and free the old one, which took
 * ~0.2 ms inside the lock (1,000 tasks, measured), against ~5 µs for an append.
 *
 * A line without its newline is a torn append (its writer was killed mid-write, before its
 * commit point): it is ignored, and cut by the next writer. A whole line that does not parse
 * is CORRUPT_STORE, and the journal is never written again until someone fixes it.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, readSync, writeSync } from "node:fs";
import { fsyncDirectory, replaceFile } from "./atomic-write.js";
import { OpenMode, openRegular, storeError } from "./regular-files.js";
import { metaText, parseMeta, readMeta } from "./sidecar-files.js";
import type { BoardPaths } from "./paths.js";
import type { MetaFile } from "./sidecar-files.js";

/** Journal size past which the snapshot is rewritten and the journal emptied (~1,000 commits). */
const COMPACT_AT = 1024 * 1024;
/** How much of the journal's end is read first; a longer last line is read in doubling steps. */
const FIRST_READ = 16 * 1024;

/** The sidecar as read, and where the journal's whole lines end (a torn line after is cut). */
export interface SidecarRead {
  meta: MetaFile;
  /** Bytes of whole lines in the journal; -1 when there is no journal file. */
  wholeBytes: number;
}

export class SidecarJournal {
  private scratch = Buffer.allocUnsafe(FIRST_READ);

  constructor(
    private readonly paths: BoardPaths,
    private readonly durable: boolean,
  ) {}

  read(): SidecarRead {
    const fd = openRegular(this.paths.journal, OpenMode.read);
    if (fd === null) return { meta: readMeta(this.paths.meta), wholeBytes: -1 };
    try {
      return this.lastLine(fd, fstatSync(fd).size);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Appends `meta` as the new current sidecar (the commit point, when it holds pending work).
   * A failed append (ENOSPC mid-line) is cut back, so it is no commit: the error means nothing
   * was committed.
   */
  append(meta: MetaFile, read: SidecarRead): SidecarRead {
    const line = Buffer.from(`${JSON.stringify(meta)}\n`);
    const fd = openRegular(this.paths.journal, OpenMode.append) as number;
    let from = -1;
    try {
      const size = fstatSync(fd).size;
      // A torn line left by a killed writer: cut it, or this line would be glued to it.
      if (read.wholeBytes >= 0 && size > read.wholeBytes) ftruncateSync(fd, read.wholeBytes);
      from = read.wholeBytes >= 0 ? Math.min(size, read.wholeBytes) : size;
      for (let done = 0; done < line.length; ) done += writeSync(fd, line, done, line.length - done);
      if (this.durable) fsyncSync(fd);
      if (this.durable && read.wholeBytes < 0) fsyncDirectory(this.paths.journal);
      return { meta, wholeBytes: from + line.length };
    } catch (error) {
      if (from >= 0) cutBack(fd, from);
      throw storeError(this.paths.journal, error, "write", "nothing was saved");
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Once the journal has grown past COMPACT_AT: the snapshot takes its last line, `current`
   * (whose pending work is done), then the journal is emptied. Killed in between, the
   * journal's last line and the snapshot agree, so either is the current sidecar.
   */
  compactIfLarge(current: SidecarRead): SidecarRead {
    if (current.wholeBytes < COMPACT_AT) return current;
    const meta = { ...current.meta, pending: null };
    replaceFile(this.paths.meta, `${this.paths.meta}.${process.pid}-compact.tmp`, metaText(meta), this.durable);
    const fd = openRegular(this.paths.journal, OpenMode.update) as number;
    try {
      ftruncateSync(fd, 0);
      if (this.durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { meta, wholeBytes: 0 };
  }

  private lastLine(fd: number, size: number): SidecarRead {
    for (let want = Math.min(size, FIRST_READ); ; want = Math.min(size, want * 2)) {
      if (this.scratch.length < want) this.scratch = Buffer.allocUnsafe(want);
      const from = size - want;
      let got = 0;
      while (got < want) {
        const n = readSync(fd, this.scratch, got, want - got, from + got);
        if (n === 0) break;
        got += n;
      }
      const tail = this.scratch.subarray(0, got);
      const end = tail.lastIndexOf(0x0a); // the end of the last whole line
      if (end < 0 && from === 0) return { meta: readMeta(this.paths.meta), wholeBytes: 0 };
      if (end >= 0) {
        const start = tail.lastIndexOf(0x0a, end - 1) + 1;
        if (start > 0 || from === 0) {
          const where = `${this.paths.journal} (the line ending at byte ${from + end + 1})`;
          return { meta: parseMeta(where, tail.toString("utf8", start, end)), wholeBytes: from + end + 1 };
        }
      }
      if (want === size) throw new Error("unreachable: the whole journal was read");
    }
  }
}

/** Shrinking a file needs no free space: a torn line of a failed append can always be cut. */
function cutBack(fd: number, size: number): void {
  try {
    ftruncateSync(fd, size);
  } catch {
    // left torn: the next reader ignores a line without its newline, the next writer cuts it
  }
}

/**
 * Reading an audit archive (`baton audit rotate`, src/board/audit-rotate.ts): a JSON Lines
 * file of wire-shaped events, checked against the sha256 its archive row recorded before any
 * event of it is believed. Opened like every board file (src/store/json/regular-files.ts):
 * never through a link, only a regular file.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, fstatSync, readSync } from "node:fs";
import { createInterface } from "node:readline";
import { BatonError, ErrorCode } from "../core/errors.js";
import { eventFromWire } from "../core/wire-shape.js";
import { OpenMode, openRegular } from "./json/regular-files.js";
import type { BoardEvent } from "../core/task.js";
import type { EventArchive } from "./store.js";

/**
 * Files whose checksum matched, by dev:ino:size:mtime: an archive is read on every query that
 * reaches its seqs, and hashing it each time would double the cost of reading it. A file
 * changed in any way (a new mtime or size) is hashed again. With each, a sparse index (the
 * byte offset of every MARK_EVERY-th line and its seq), so a page after a seq starts reading
 * near it: without, paging through a 50,000-event archive 5,000 at a time reads it 10 times
 * over, and 1M archived events 200 times. Measured (`npm run bench -- audit`, 100k events, half
 * archived, read back page by page): 47,838 events/s without the index, 51,515 with it (one
 * run each, loaded 2-core machine; 65,366 unrotated) — the parse of each line dominates here,
 * the index keeps the cost linear as archives grow.
 */
const verified = new Map<string, { key: string; marks: Mark[] }>();
const MARK_EVERY = 1024;

interface Mark {
  seq: number;
  offset: number;
}

export function corruptArchive(archive: EventArchive, why: string): BatonError {
  return new BatonError(
    ErrorCode.CORRUPT_STORE,
    `the audit archive ${archive.file} (events ${archive.fromSeq}…${archive.toSeq}) ${why}; ` +
      "archives are never edited: put back the file `baton audit rotate` wrote (from a backup)",
    { location: archive.file },
  );
}

function openArchive(archive: EventArchive): number {
  let fd: number | null;
  try {
    fd = openRegular(archive.file, OpenMode.read);
  } catch (error) {
    if (error instanceof BatonError) throw corruptArchive(archive, "is not a regular file (a link?)");
    throw corruptArchive(archive, `cannot be read (${(error as Error).message})`);
  }
  if (fd === null) throw corruptArchive(archive, "is missing");
  return fd;
}

function identity(fd: number): string {
  const s = fstatSync(fd, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
}

/** Throws CORRUPT_STORE naming the file unless its bytes hash to the recorded sha256. */
export async function verifyArchive(archive: EventArchive): Promise<Mark[]> {
  const fd = openArchive(archive);
  const key = `${identity(fd)}:${archive.sha256}`;
  const known = verified.get(archive.file);
  if (known?.key === key) {
    closeSync(fd);
    return known.marks;
  }
  const hash = createHash("sha256");
  let bytes = 0;
  let lines = 0;
  const starts: number[] = [];
  for await (const chunk of createReadStream("", { fd, autoClose: false })) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    for (let i = buffer.indexOf(0x0a); i >= 0; i = buffer.indexOf(0x0a, i + 1)) {
      if (++lines % MARK_EVERY === 0) starts.push(bytes + i + 1);
    }
    bytes += buffer.length;
  }
  try {
    const sha256 = hash.digest("hex");
    if (sha256 !== archive.sha256 || bytes !== archive.bytes) {
      verified.delete(archive.file);
      throw corruptArchive(archive, `has changed: its sha256 is ${sha256} (${bytes} bytes), not the recorded ${archive.sha256} (${archive.bytes} bytes)`);
    }
    const marks = starts.filter((offset) => offset < bytes).map((offset) => ({ seq: seqAt(fd, offset), offset }));
    verified.set(archive.file, { key, marks });
    return marks;
  } finally {
    closeSync(fd);
  }
}

/** The seq of the line at `offset`: the wire shape's first field (core/wire-shape.ts). */
function seqAt(fd: number, offset: number): number {
  const head = Buffer.alloc(40);
  const n = readSync(fd, head, 0, head.length, offset);
  const match = /^\{"seq":(\d+),/.exec(head.toString("utf8", 0, n));
  return match ? Number(match[1]) : Number.POSITIVE_INFINITY; // unknown: never starts a read
}

/**
 * The archive's events in seq order (from near `afterSeq` on, when given), after checking its
 * checksum; one line in memory at a time.
 */
export async function* archiveEvents(archive: EventArchive, afterSeq = 0): AsyncGenerator<BoardEvent> {
  const marks = await verifyArchive(archive);
  let start = 0;
  for (const mark of marks) if (mark.seq <= afterSeq + 1) start = mark.offset;
  const input = createReadStream("", { fd: openArchive(archive), autoClose: true, start });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      let event: BoardEvent;
      try {
        event = eventFromWire(JSON.parse(line) as Record<string, unknown>);
      } catch (error) {
        throw corruptArchive(archive, `line ${n} is not an event (${(error as Error).message})`);
      }
      yield event;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

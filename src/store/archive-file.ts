/**
 * Reading an audit archive (`baton audit rotate`, src/board/audit-rotate.ts): a JSON Lines
 * file of wire-shaped events, checked against the sha256 its archive row recorded before any
 * event of it is believed. Opened like every board file (src/store/json/regular-files.ts):
 * never through a link, only a regular file.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, fstatSync } from "node:fs";
import { createInterface } from "node:readline";
import { BatonError, ErrorCode } from "../core/errors.js";
import { eventFromWire } from "../core/wire-shape.js";
import { OpenMode, openRegular } from "./json/regular-files.js";
import type { BoardEvent } from "../core/task.js";
import type { EventArchive } from "./store.js";

/**
 * Files whose checksum matched, by dev:ino:size:mtime: an archive is read on every query that
 * reaches its seqs, and hashing it each time would double the cost of reading it. A file
 * changed in any way (a new mtime or size) is hashed again.
 */
const verified = new Map<string, string>();

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
export async function verifyArchive(archive: EventArchive): Promise<void> {
  const fd = openArchive(archive);
  const id = identity(fd);
  if (verified.get(archive.file) === `${id}:${archive.sha256}`) {
    closeSync(fd);
    return;
  }
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream("", { fd, autoClose: true })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  const sha256 = hash.digest("hex");
  if (sha256 !== archive.sha256 || bytes !== archive.bytes) {
    verified.delete(archive.file);
    throw corruptArchive(archive, `has changed: its sha256 is ${sha256} (${bytes} bytes), not the recorded ${archive.sha256} (${archive.bytes} bytes)`);
  }
  verified.set(archive.file, `${id}:${archive.sha256}`);
}

/** The archive's events in seq order, after checking its checksum; one line in memory at a time. */
export async function* archiveEvents(archive: EventArchive): AsyncGenerator<BoardEvent> {
  await verifyArchive(archive);
  const input = createReadStream("", { fd: openArchive(archive), autoClose: true });
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

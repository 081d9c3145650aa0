/**
 * `baton audit rotate --before DATE [--archive FILE]`: the oldest events move to an archive
 * file and a ROTATED event is left in their place. Nothing is dropped: every reader reads the
 * archives as part of the trail (src/store/archived-events.ts).
 *
 * What moves is the trail's oldest run of events older than DATE: from the first event not yet
 * archived up to (not including) the first one at or after DATE. A clock that went back can
 * leave an older event after that one; it stays in the table. So archives are consecutive seq
 * ranges from 1, and the table holds every seq after the newest.
 *
 * Order, so that a crash at any instant leaves the old board or the new one:
 *   1. write the events to a temp file beside the archive (O_EXCL, never through a link),
 *      fsync it, read it back and check its sha256;
 *   2. link it to the archive's name (refusing anything already there) and fsync the folder;
 *   3. in ONE store transaction: append the ROTATED event (first, so its seq is above every
 *      deleted one and no seq is reused), record the archive and delete its events.
 * A crash before 3 commits leaves the old board and an unrecorded archive file: the next
 * rotate to the default folder replaces it (and says so), `baton health` names it.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, readdirSync, renameSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BatonError, ErrorCode, invalidInput } from "../core/errors.js";
import { toIso } from "../core/time.js";
import { eventToWire } from "../core/wire-shape.js";
import { verifyArchive } from "../store/archive-file.js";
import { fsyncDirectory, removeQuietly } from "../store/json/atomic-write.js";
import { OpenMode, openRegular, storeError } from "../store/json/regular-files.js";
import { AUDIT_PAGE } from "./audit-pages.js";
import { instant } from "./audit-query.js";
import type { BoardEvent } from "../core/task.js";
import type { EventArchive, Store } from "../store/store.js";

export interface RotateOptions {
  /** Events older than this move (ISO 8601, a date alone is midnight UTC, or ms). */
  before: string | number;
  /** The archive file; default `archive/events-FROM-TO.jsonl` beside the board. */
  archive?: string;
}

export interface RotateReport {
  /** Null when no event was older than `before` (nothing changed). */
  archive: EventArchive | null;
  /** The ROTATED event's seq. */
  markerSeq: number | null;
  /** An unrecorded archive an interrupted rotate had left at the same name, now replaced. */
  replacedStray: string | null;
}

/** The folder archives go to by default: `archive/` beside a file board, else `.baton/archive`. */
export function defaultArchiveFolder(store: Store): string {
  return store.kind === "postgres" ? resolve(".baton", "archive") : join(dirname(store.location), "archive");
}

export async function rotateAudit(store: Store, options: RotateOptions, now: number): Promise<RotateReport> {
  const before = instant(options.before, "--before");
  if (Date.parse(before) > now) {
    throw invalidInput(
      `--before ${before} is in the future (now is ${toIso(now)}): only past events can be archived; give an earlier date, e.g. --before ${toIso(now).slice(0, 10)}`,
    );
  }
  const given = options.archive === undefined ? null : resolve(options.archive);
  if (given !== null) refuseExisting(given);
  const archives = await store.read((tx) => tx.listArchives());
  const afterSeq = archives[archives.length - 1]?.toSeq ?? 0;
  const [first] = await store.read((tx) => tx.listEvents({ afterSeq, limit: 1 }));
  if (first === undefined || first.at >= before) return { archive: null, markerSeq: null, replacedStray: null };

  const folder = given === null ? defaultArchiveFolder(store) : dirname(given);
  mkdirSync(folder, { recursive: true });
  const temp = join(folder, `.rotate-${process.pid}-${randomBytes(6).toString("hex")}.jsonl.tmp`);
  let written: Omit<EventArchive, "file">;
  try {
    written = await writeArchive(store, temp, afterSeq, before, toIso(now));
    await verifyArchive({ ...written, file: temp });
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  const file = given ?? join(folder, `events-${written.fromSeq}-${written.toSeq}.jsonl`);
  const replacedStray = given === null ? placeDefault(temp, file, archives) : placeGiven(temp, file);
  const archive: EventArchive = { ...written, file };

  try {
    const markerSeq = await store.transaction(async (tx) => {
      const newest = (await tx.listArchives()).at(-1)?.toSeq ?? 0;
      if (newest !== afterSeq) throw concurrentRotate(archive);
      await tx.appendEvent({
        at: toIso(now),
        type: "ROTATED",
        taskId: null,
        agentId: null,
        from: null,
        to: null,
        details: `events ${archive.fromSeq}…${archive.toSeq} (${archive.count}) moved to ${archive.file}`,
        data: { ...archive },
      });
      const deleted = await tx.rotateEvents(archive);
      if (deleted !== archive.count) throw concurrentRotate(archive);
      return (await tx.listEvents({ recent: 1 }))[0]?.seq ?? null;
    });
    return { archive, markerSeq, replacedStray };
  } catch (error) {
    // Not committed: the file is recorded nowhere, and a retry would be refused by its name.
    removeQuietly(file);
    throw error;
  }
}

/** Steps 1: the events, streamed a page at a time into `temp`, fsynced. */
async function writeArchive(
  store: Store,
  temp: string,
  afterSeq: number,
  before: string,
  rotatedAt: string,
): Promise<Omit<EventArchive, "file">> {
  const fd = openRegular(temp, OpenMode.createNew) as number;
  const hash = createHash("sha256");
  let bytes = 0;
  let count = 0;
  let fromSeq = 0;
  let toSeq = 0;
  let firstAt = "";
  let lastAt = "";
  try {
    let last = afterSeq;
    for (let done = false; !done; ) {
      const page: BoardEvent[] = await store.read((tx) => tx.listEvents({ afterSeq: last, limit: AUDIT_PAGE }));
      const lines: string[] = [];
      for (const event of page) {
        if (event.at >= before) {
          done = true;
          break;
        }
        lines.push(`${JSON.stringify(eventToWire(event))}\n`);
        if (count === 0) fromSeq = event.seq;
        toSeq = event.seq;
        if (firstAt === "" || event.at < firstAt) firstAt = event.at;
        if (event.at > lastAt) lastAt = event.at;
        count++;
      }
      if (page.length < AUDIT_PAGE) done = true;
      else last = (page[page.length - 1] as BoardEvent).seq;
      const chunk = Buffer.from(lines.join(""));
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
      hash.update(chunk);
      bytes += chunk.length;
    }
    fsyncSync(fd);
  } catch (error) {
    if (error instanceof BatonError) throw error;
    throw storeError(temp, error, "write", "nothing was archived or deleted");
  } finally {
    closeSync(fd);
  }
  return { fromSeq, toSeq, count, firstAt, lastAt, sha256: hash.digest("hex"), bytes, rotatedAt };
}

/** A name the user gave: never anything already there, not even a dangling link. */
function placeGiven(temp: string, file: string): null {
  try {
    linkSync(temp, file);
  } catch (error) {
    removeQuietly(temp);
    if ((error as NodeJS.ErrnoException).code === "EEXIST") refuseExisting(file);
    throw storeError(file, error, "write", "nothing was archived or deleted");
  }
  removeQuietly(temp);
  fsyncDirectory(file);
  return null;
}

/**
 * baton's own folder: a file at the name that no archive row records was left by a rotate
 * interrupted before its commit, and is replaced. A recorded one, or a link, is refused.
 */
function placeDefault(temp: string, file: string, archives: readonly EventArchive[]): string | null {
  const there = kindAt(file);
  if (there !== null && (there !== "file" || archives.some((a) => a.file === file))) {
    removeQuietly(temp);
    refuseExisting(file);
  }
  renameSync(temp, file);
  fsyncDirectory(file);
  return there === null ? null : file;
}

function kindAt(path: string): "file" | "other" | null {
  try {
    return lstatSync(path).isFile() ? "file" : "other";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function refuseExisting(file: string): void {
  const kind = kindAt(file);
  if (kind === null) return;
  throw new BatonError(
    kind === "file" ? ErrorCode.CONFLICT : ErrorCode.INVALID_INPUT,
    `the archive ${file} already exists${kind === "other" ? " (as a link or a non-regular file)" : ""}: ` +
      "an archive never overwrites anything; name a new file with --archive, or leave it out for the default folder; nothing was changed",
    { location: file },
  );
}

function concurrentRotate(archive: EventArchive): BatonError {
  return new BatonError(
    ErrorCode.CONFLICT,
    `another \`audit rotate\` archived events ${archive.fromSeq}…${archive.toSeq} meanwhile; nothing was changed by this one, run it again`,
  );
}

/**
 * Files in the archive folder no archive row records (left by an interrupted rotate), for
 * `baton health`.
 */
export function strayArchives(folder: string, archives: readonly EventArchive[]): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const recorded = new Set(archives.map((a) => a.file));
  return names
    .filter((n) => n.endsWith(".jsonl") || n.endsWith(".jsonl.tmp"))
    .map((n) => join(folder, n))
    .filter((f) => !recorded.has(f));
}

/**
 * tasks.json ⇄ entries, for one process that reads the file at the start of every transaction
 * (other processes, and hand-following agents, write it) and writes it at the end of most.
 *
 * Parsing all of a 1,000-task file costs ~3.6 ms and pretty-printing it ~3 ms, against ~0.5 ms
 * to write it (measured on this machine), so the codec keeps the last version it read or wrote
 * — its exact bytes, the parsed records, and where each record lies in those bytes — and:
 *  - reading: bytes equal to that version (one memcmp, 0.02 ms) reuse it whole. Otherwise the
 *    bytes the two versions share at the start and at the end hold the same records at the
 *    same (shifted) places, and only the records between are compared one by one and, if
 *    changed, parsed. The bytes decide, never mtime or size: a hand agent may rewrite the file
 *    in place, to the same size, within one mtime tick.
 *  - writing: records that did not change are copied from those bytes (byte for byte, which
 *    also keeps a hand-edited record exactly as its author left it), runs of them at once;
 *    only changed records are pretty-printed. The result is what a full pretty-print of the
 *    records would write (tested).
 * The split into records is only a shortcut: any record text that does not parse to an object
 * sends the whole file through JSON.parse, which then decides.
 */
import { BatonError, ErrorCode } from "../../core/errors.js";
import { restoreAdvice } from "./restore-advice.js";
import { taskFromRecord } from "./task-record.js";
import {
  BOUNDARY,
  ImageBuffer,
  readImage,
  recordsBounds,
  sharedPrefix,
  sharedSuffix,
  writeImage,
} from "./tasks-bytes.js";
import type { Task } from "../../core/task.js";
import type { TaskRecord } from "./task-record.js";
import type { ImagePiece } from "./tasks-bytes.js";

export interface TaskEntry {
  task: Task;
  record: TaskRecord;
}

/** A version of tasks.json: its bytes, its entries, and where each record's text lies. */
export interface TasksVersion {
  bytes: Buffer;
  entries: readonly TaskEntry[];
  /** Offsets of each record's text in `bytes`, [start, end); -1 when not laid out record by record. */
  starts: readonly number[];
  ends: readonly number[];
  /** Task id → position in `entries`. */
  index: ReadonlyMap<string, number>;
  /** The highest lease token on a task. */
  maxLeaseToken: number;
}

const NO_VERSION: TasksVersion = {
  bytes: Buffer.alloc(0),
  entries: [],
  starts: [],
  ends: [],
  index: new Map(),
  maxLeaseToken: 0,
};

export class TasksCodec {
  /** Holds `known.bytes`; the other buffer receives the next read or the next write. */
  private current = new ImageBuffer();
  private spare = new ImageBuffer();
  private known: TasksVersion = NO_VERSION;

  /** `handLeaseMs`: the lease of a task a hand agent set in progress (task-record.ts). */
  constructor(
    private readonly path: string,
    private readonly handLeaseMs?: number,
  ) {}

  /** inode:size:mtime of the file as last read (commit.ts refuses to replace a file changed since). */
  identityRead = "absent";

  /** Reads and parses the file; null when it does not exist. CORRUPT_STORE when it is not a board. */
  read(): TasksVersion | null {
    const image = readImage(this.path, this.spare);
    if (image === null) return null;
    const { bytes, identity } = image;
    this.identityRead = identity;
    if (this.known !== NO_VERSION && bytes.equals(this.known.bytes)) return this.known;
    const version = this.parse(bytes);
    this.adopt(version);
    return version;
  }

  /**
   * The bytes of a tasks.json holding `entries`, which are the entries of the version last
   * read, some replaced and some appended. Call `adopt` once they are on disk.
   */
  serialize(entries: readonly TaskEntry[]): TasksVersion {
    const known = this.known;
    const pieces: ImagePiece[] = [];
    /** For each piece, the entries it holds: [first, last]. */
    const firsts: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as TaskEntry;
      firsts.push(i);
      if (entry === known.entries[i] && (known.starts[i] as number) >= 0) {
        let last = i;
        while (last + 1 < entries.length && entries[last + 1] === known.entries[last + 1] && (known.starts[last + 1] as number) >= 0) last++;
        pieces.push({ source: known.bytes, from: known.starts[i] as number, to: known.ends[last] as number });
        i = last;
      } else {
        const text = Buffer.from(recordText(entry.record));
        pieces.push({ source: text, from: 0, to: text.length });
      }
    }
    const { image, starts: pieceStarts } = writeImage(pieces, this.spare);
    const starts: number[] = [];
    const ends: number[] = [];
    pieces.forEach((piece, p) => {
      const first = firsts[p] as number;
      const shift = (pieceStarts[p] as number) - piece.from;
      if (piece.source !== known.bytes) {
        starts.push(shift);
        ends.push(shift + piece.to);
        return;
      }
      const last = p + 1 < firsts.length ? (firsts[p + 1] as number) - 1 : entries.length - 1;
      for (let i = first; i <= last; i++) {
        starts.push((known.starts[i] as number) + shift);
        ends.push((known.ends[i] as number) + shift);
      }
    });
    let index = known.index;
    if (entries.length !== known.entries.length) {
      const grown = new Map(known.index);
      for (let i = known.entries.length; i < entries.length; i++) grown.set((entries[i] as TaskEntry).task.id, i);
      index = grown;
    }
    return { bytes: image, entries, starts, ends, index, maxLeaseToken: maxLeaseToken(entries) };
  }

  /** `version` (just read, or just written by `serialize`) is now the file's content. */
  adopt(version: TasksVersion): void {
    if (this.spare.holds(version.bytes)) [this.current, this.spare] = [this.spare, this.current];
    this.known = version;
  }

  private parse(bytes: Buffer): TasksVersion {
    const bounds = recordsBounds(bytes);
    const version = bounds && this.parseRecords(bytes, bounds.start, bounds.end);
    return version ?? this.parseWhole(bytes);
  }

  /**
   * Splits the records between `start` and `end`. Records in the bytes shared with the last
   * version at the start and at the end are that version's; each record between is compared
   * with the one at its position in the last version (a memcmp), then looked up by its text,
   * and parsed only when it is new.
   */
  private parseRecords(bytes: Buffer, start: number, end: number): TasksVersion | null {
    if (start === end) return { ...NO_VERSION, bytes };
    const known = this.known;
    const old = known.bytes;
    const n = known.entries.length;
    const canonical = n > 0 && (known.starts[0] as number) >= 0;
    // Known records whose text and both delimiters lie in the shared head (or tail) are
    // unchanged, at the same offset (shifted by the change in length).
    let head = 0;
    let tail = 0;
    if (canonical) {
      const shared = sharedPrefix(bytes, old);
      while (head < n - 1 && (known.ends[head] as number) + BOUNDARY.length <= shared) head++;
      const sharedEnd = sharedSuffix(bytes, old, Math.min(bytes.length, old.length) - shared);
      while (tail < n - 1 - head && (known.starts[n - 1 - tail] as number) - BOUNDARY.length >= old.length - sharedEnd) tail++;
    }
    const shift = bytes.length - old.length;
    const entries: TaskEntry[] = known.entries.slice(0, head) as TaskEntry[];
    const starts = known.starts.slice(0, head) as number[];
    const ends = known.ends.slice(0, head) as number[];
    const from = head > 0 ? (known.ends[head - 1] as number) + BOUNDARY.length : start;
    const to = tail > 0 ? (known.starts[n - tail] as number) + shift - BOUNDARY.length : end;
    let byText: Map<string, number> | null = null;
    /** Every record at its old position holds the same id: the index stays valid. */
    let sameIds = true;
    for (let at = from, k = head; ; k++) {
      const boundary = bytes.indexOf(BOUNDARY, at);
      const next = boundary < 0 || boundary >= to ? to : boundary;
      let found = -1;
      if (k < n - tail && canonical && (known.ends[k] as number) - (known.starts[k] as number) === next - at) {
        if (bytes.compare(old, known.starts[k] as number, known.ends[k] as number, at, next) === 0) found = k;
      }
      if (found < 0 && canonical) {
        byText ??= textsOf(known, head, n - tail);
        found = byText.get(bytes.toString("latin1", at, next)) ?? -1;
      }
      const entry = found >= 0 ? (known.entries[found] as TaskEntry) : this.parseRecord(bytes, at, next, entries.length);
      if (!entry) return null;
      if (entry.task.id !== known.entries[k]?.task.id) sameIds = false;
      entries.push(entry);
      starts.push(at);
      ends.push(next);
      if (next >= to) break;
      at = next + BOUNDARY.length;
    }
    for (let i = n - tail; i < n; i++) {
      entries.push(known.entries[i] as TaskEntry);
      starts.push((known.starts[i] as number) + shift);
      ends.push((known.ends[i] as number) + shift);
    }
    const index = sameIds && entries.length === n ? known.index : indexOf(entries, this.path);
    return { bytes, entries, starts, ends, index, maxLeaseToken: maxLeaseToken(entries) };
  }

  private parseRecord(bytes: Buffer, from: number, to: number, position: number): TaskEntry | null {
    let record: unknown;
    try {
      record = JSON.parse(`{${bytes.toString("utf8", from, to)}\n  }`);
    } catch {
      return null;
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) return null;
    return { record: record as TaskRecord, task: this.readTask(record, position) };
  }

  private parseWhole(bytes: Buffer): TasksVersion {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw corruptTasksFile(this.path, `is not valid JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(value)) {
      const kind = value === null ? "null" : typeof value === "object" ? "an object" : `a ${typeof value}`;
      throw corruptTasksFile(this.path, `holds ${kind}, not an array of tasks (seed 001: tasks.json is [ {task}, … ])`);
    }
    const entries = value.map((record: unknown, i) => ({ record: record as TaskRecord, task: this.readTask(record, i) }));
    const unknown = entries.map(() => -1);
    return { bytes, entries, starts: unknown, ends: unknown, index: indexOf(entries, this.path), maxLeaseToken: maxLeaseToken(entries) };
  }

  private readTask(record: unknown, index: number): Task {
    const id = (record as { id?: unknown } | null)?.id;
    const name = typeof id === "string" ? ` (${JSON.stringify(id).slice(1, -1)})` : "";
    try {
      return taskFromRecord(record, `task #${index + 1}${name}`, this.handLeaseMs);
    } catch (error) {
      if (error instanceof BatonError) throw corruptTasksFile(this.path, `: ${error.message}`);
      throw error;
    }
  }
}

/** A record's text between its braces, pretty-printed as an element of the top-level array. */
export function recordText(record: TaskRecord): string {
  const lines = JSON.stringify(record, null, 2).split("\n");
  return `\n  ${lines.slice(1, -1).join("\n  ")}`;
}

/** The known records [from, to) by their text (latin1: one char per byte, no decoding). */
function textsOf(known: TasksVersion, from: number, to: number): Map<string, number> {
  const texts = new Map<string, number>();
  for (let i = from; i < to; i++) texts.set(known.bytes.toString("latin1", known.starts[i], known.ends[i]), i);
  return texts;
}

function maxLeaseToken(entries: readonly TaskEntry[]): number {
  let max = 0;
  for (const e of entries) {
    // A hand-claimed task has no token, but the one in its record was issued: keep it counted.
    const raw = e.record.lease_token;
    const token = e.task.leaseToken ?? (typeof raw === "number" && Number.isInteger(raw) ? raw : null);
    if (token !== null && token > max) max = token;
  }
  return max;
}

function indexOf(entries: readonly TaskEntry[], path: string): Map<string, number> {
  const index = new Map<string, number>();
  entries.forEach((entry, i) => {
    const first = index.get(entry.task.id);
    if (first !== undefined) {
      throw corruptTasksFile(path, `: tasks #${first + 1} and #${i + 1} have the same id "${entry.task.id}"; ids must be unique`);
    }
    index.set(entry.task.id, i);
  });
  return index;
}

export function corruptTasksFile(path: string, problem: string): BatonError {
  return new BatonError(
    ErrorCode.CORRUPT_STORE,
    `${path}${problem.startsWith(":") ? "" : " "}${problem}. ` +
      `baton left it untouched: fix it by hand, or ${restoreAdvice(path, `${path}.bak`)}`,
    { location: path },
  );
}

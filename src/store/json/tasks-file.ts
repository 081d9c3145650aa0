/**
 * tasks.json ⇄ entries. A JSON array of task records, pretty-printed with two spaces so a
 * person (or `jq`, which prints the same way) can read and edit it.
 *
 * Every transaction re-reads the file, because other processes write it. Parsing all of a
 * 1,000-task file costs ~4.3 ms and pretty-printing it ~3 ms, against ~1 ms to write it
 * (measured on this machine): so the codec splits the file at its top-level element
 * boundaries and re-parses only the records whose text changed since it last saw them, and
 * writes untouched records back byte for byte (which also keeps a hand-edited record exactly
 * as its author left it). The split is only a shortcut: JSON strings cannot hold a raw
 * newline, so "\n  },\n  {" is always structural, and any chunk that does not parse to an
 * object sends the whole file through JSON.parse, which then decides.
 */
import { BatonError, ErrorCode } from "../../core/errors.js";
import { taskFromRecord } from "./task-record.js";
import type { Task } from "../../core/task.js";
import type { TaskRecord } from "./task-record.js";

export interface TaskEntry {
  task: Task;
  record: TaskRecord;
  /**
   * The record's text between its braces as it appears in the file (pretty-printed, the
   * record indented two spaces): the file is `[\n  {` + texts joined by BOUNDARY + `\n  }\n]`.
   */
  text: string;
}

const BOUNDARY = "\n  },\n  {";
const HEAD = "\n  {";
const TAIL = "\n  }";

export class TasksCodec {
  /** The records of the last version seen, by position, and (built when needed) by text. */
  private known: readonly TaskEntry[] = [];
  private knownByText: Map<string, TaskEntry> | null = null;

  constructor(private readonly path: string) {}

  parse(text: string): TaskEntry[] {
    const bounds = recordsBounds(text);
    let entries: TaskEntry[] | null = null;
    if (bounds) entries = this.parseRecords(text, bounds.start, bounds.end);
    if (!entries) entries = this.parseWhole(text);
    checkUniqueIds(entries, this.path);
    this.remember(entries);
    return entries;
  }

  remember(entries: readonly TaskEntry[]): void {
    this.known = entries;
    this.knownByText = null;
  }

  /**
   * Walks the records between `start` and `end`. Most records sit where they sat in the last
   * version, so each is first compared with the record at its position (a slice, which V8
   * does not copy, and a memcmp); only a changed or moved record is looked up or parsed. On a
   * 1,000-task file (measured): split + hash every record 2.5 ms, split + compare 0.95 ms,
   * `startsWith(text, offset)` 1.2 ms, slice + compare 0.32 ms.
   */
  private parseRecords(text: string, start: number, end: number): TaskEntry[] | null {
    const entries: TaskEntry[] = [];
    if (start === end) return entries;
    let at = start;
    for (let i = 0; ; i++) {
      const same = this.known[i];
      let next: number;
      let entry: TaskEntry | null = null;
      if (
        same !== undefined &&
        text.slice(at, at + same.text.length) === same.text &&
        atRecordEnd(text, at + same.text.length, end)
      ) {
        entry = same;
        next = at + same.text.length;
      } else {
        const boundary = text.indexOf(BOUNDARY, at);
        next = boundary < 0 || boundary > end ? end : boundary;
        const recordText = text.slice(at, next);
        this.knownByText ??= new Map(this.known.map((e) => [e.text, e]));
        entry = this.knownByText.get(recordText) ?? this.parseRecord(recordText, i);
        if (!entry) return null;
      }
      entries.push(entry);
      if (next >= end) return entries;
      at = next + BOUNDARY.length;
    }
  }

  private parseRecord(text: string, index: number): TaskEntry | null {
    let record: unknown;
    try {
      record = JSON.parse(`{${text}${TAIL}`);
    } catch {
      return null;
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) return null;
    return { record: record as TaskRecord, task: this.readTask(record, index), text };
  }

  private parseWhole(text: string): TaskEntry[] {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw corruptTasksFile(this.path, `is not valid JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(value)) {
      const kind = value === null ? "null" : typeof value === "object" ? "an object" : `a ${typeof value}`;
      throw corruptTasksFile(this.path, `holds ${kind}, not an array of tasks (seed 001: tasks.json is [ {task}, … ])`);
    }
    return value.map((record: unknown, i) => {
      const task = this.readTask(record, i);
      return { record: record as TaskRecord, task, text: recordText(record as TaskRecord) };
    });
  }

  private readTask(record: unknown, index: number): Task {
    const id = (record as { id?: unknown } | null)?.id;
    const name = typeof id === "string" ? ` (${JSON.stringify(id).slice(1, -1)})` : "";
    try {
      return taskFromRecord(record, `task #${index + 1}${name}`);
    } catch (error) {
      if (error instanceof BatonError) throw corruptTasksFile(this.path, `: ${error.message}`);
      throw error;
    }
  }
}

export function serializeTasks(entries: readonly TaskEntry[]): string {
  if (entries.length === 0) return "[]\n";
  return `[${HEAD}${entries.map((e) => e.text).join(BOUNDARY)}${TAIL}\n]\n`;
}

/** A record's text between its braces, pretty-printed as an element of the top-level array. */
export function recordText(record: TaskRecord): string {
  // split + join, not replaceAll: replaceAll leaves a rope of one piece per line, and joining
  // 1,000 such ropes into the file took 7.5 ms against 0.4 ms for flat strings (measured).
  const lines = JSON.stringify(record, null, 2).split("\n");
  return `\n  ${lines.slice(1, -1).join("\n  ")}`;
}

/**
 * Where the records' texts lie: after the opening "[\n  {" and before the closing "\n  }\n]";
 * start === end for an empty array; null when the file is not laid out that way.
 */
function recordsBounds(text: string): { start: number; end: number } | null {
  const open = text.indexOf("[");
  const close = text.lastIndexOf("]");
  if (open < 0 || close < open || !isBlank(text, 0, open) || !isBlank(text, close + 1, text.length)) return null;
  let last = close;
  while (last > open + 1 && /\s/.test(text[last - 1] as string)) last--;
  if (last === open + 1) return { start: last, end: last };
  if (!text.startsWith(HEAD, open + 1) || !text.startsWith(TAIL, last - TAIL.length)) return null;
  const start = open + 1 + HEAD.length;
  const end = last - TAIL.length;
  return end >= start ? { start, end } : null;
}

function atRecordEnd(text: string, at: number, end: number): boolean {
  return at === end || (at < end && text.slice(at, at + BOUNDARY.length) === BOUNDARY);
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!/\s/.test(text[i] as string)) return false;
  return true;
}

function checkUniqueIds(entries: readonly TaskEntry[], path: string): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const first = seen.get(entry.task.id);
    if (first !== undefined) {
      throw corruptTasksFile(path, `: tasks #${first + 1} and #${i + 1} have the same id "${entry.task.id}"; ids must be unique`);
    }
    seen.set(entry.task.id, i);
  });
}

export function corruptTasksFile(path: string, problem: string): BatonError {
  return new BatonError(
    ErrorCode.CORRUPT_STORE,
    `${path}${problem.startsWith(":") ? "" : " "}${problem}. ` +
      `baton left it untouched: fix it by hand, or restore the previous version from ${path}.bak`,
    { location: path },
  );
}

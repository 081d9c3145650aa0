/**
 * `tasks.audit.jsonl`: one audit event per line, appended, never edited. A line is
 * `{"seq","at","type","task_id","agent_id","from","to","details","data"}`.
 * A final line without its newline is a torn append (its commit is finished or undone by the
 * next lock holder, see commit.ts) and is not shown.
 */
import { BatonError, ErrorCode } from "../../core/errors.js";
import { eventFromWire, eventToWire } from "../../core/wire-shape.js";
import { readText } from "./sidecar-files.js";
import type { BoardEvent } from "../../core/task.js";

export function eventLine(event: BoardEvent): string {
  return `${JSON.stringify(eventToWire(event))}\n`;
}

export function readEvents(path: string): BoardEvent[] {
  const text = readText(path);
  if (text === null || text === "") return [];
  const lines = text.split("\n");
  lines.pop(); // after the last newline: empty, or a torn append
  return lines.map((line, i) => {
    try {
      return eventFromWire(JSON.parse(line) as Record<string, unknown>);
    } catch (error) {
      throw new BatonError(
        ErrorCode.CORRUPT_STORE,
        `${path} line ${i + 1} is not a valid audit event (${(error as Error).message}); the audit trail is append-only, restore it from a copy`,
        { location: path, line: i + 1 },
      );
    }
  });
}

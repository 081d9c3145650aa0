/**
 * `tasks.audit.jsonl`: one audit event per line, appended, never edited. A line is
 * `{"seq","at","type","task_id","agent_id","from","to","details","data"}`.
 * A final line without its newline is a torn append (its commit is finished or undone by the
 * next lock holder, see commit.ts) and is not shown.
 */
import { BatonError, ErrorCode } from "../../core/errors.js";
import { readText } from "./sidecar-files.js";
import type { BoardEvent } from "../../core/task.js";

export function eventLine(event: BoardEvent): string {
  return `${JSON.stringify({
    seq: event.seq,
    at: event.at,
    type: event.type,
    task_id: event.taskId,
    agent_id: event.agentId,
    from: event.from,
    to: event.to,
    details: event.details,
    data: event.data,
  })}\n`;
}

export function readEvents(path: string): BoardEvent[] {
  const text = readText(path);
  if (text === null || text === "") return [];
  const lines = text.split("\n");
  lines.pop(); // after the last newline: empty, or a torn append
  return lines.map((line, i) => {
    try {
      const e = JSON.parse(line) as Record<string, unknown>;
      return {
        seq: e.seq,
        at: e.at,
        type: e.type,
        taskId: e.task_id,
        agentId: e.agent_id,
        from: e.from,
        to: e.to,
        details: e.details,
        data: e.data,
      } as BoardEvent;
    } catch (error) {
      throw new BatonError(
        ErrorCode.CORRUPT_STORE,
        `${path} line ${i + 1} is not a valid audit event (${(error as Error).message}); the audit trail is append-only, restore it from a copy`,
        { location: path, line: i + 1 },
      );
    }
  });
}

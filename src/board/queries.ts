/** The filters of task lists and of the audit trail, validated once for list, pages and faces. */
import { checkAgentId, checkTaskId, eventTypeSchema, parseInput, statusSchema } from "../core/validation.js";
import type { EventType, TaskStatus } from "../core/task.js";
import type { EventQuery, TaskQuery } from "../store/store.js";
import type { AuditQuery, ListQuery } from "./types.js";

export function taskFilter(query: Pick<ListQuery, "status" | "agent" | "text">): TaskQuery {
  const statuses =
    query.status === undefined
      ? undefined
      : (Array.isArray(query.status) ? query.status : [query.status]).map(
          (s) => parseInput(statusSchema, s, "status") as TaskStatus,
        );
  if (query.agent !== undefined) checkAgentId(query.agent);
  return {
    ...(statuses && { statuses }),
    ...(query.agent !== undefined && { assignedTo: query.agent }),
    ...(query.text !== undefined && { text: query.text }),
  };
}

export function eventFilter(query: Pick<AuditQuery, "taskId" | "agent" | "type">): EventQuery {
  const q: EventQuery = {};
  if (query.taskId !== undefined) q.taskId = checkTaskId(query.taskId);
  if (query.agent !== undefined) q.agentId = checkAgentId(query.agent);
  if (query.type !== undefined) q.type = parseInput(eventTypeSchema, query.type, "event type") as EventType;
  return q;
}

/** The filters of task lists and of the audit trail, validated once for list, pages and faces. */
import { eventQueryOf } from "./audit-query.js";
import { checkAgentId, checkTaskId, parseInput, prioritySchema, statusSchema } from "../core/validation.js";
import type { Priority, TaskStatus } from "../core/task.js";
import type { EventQuery, TaskQuery } from "../store/store.js";
import type { AuditQuery, ListQuery } from "./types.js";

export function taskFilter(query: Pick<ListQuery, "status" | "agent" | "text" | "priority" | "dependsOn">): TaskQuery {
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
    ...(query.priority !== undefined && { priority: parseInput(prioritySchema, query.priority, "priority") as Priority }),
    ...(query.dependsOn !== undefined && { dependsOn: checkTaskId(query.dependsOn) }),
  };
}

/** The filters of an audit query (not its paging), validated: see board/audit-query.ts. */
export function eventFilter(query: Omit<AuditQuery, "recent" | "afterSeq" | "limit">): EventQuery {
  const { taskId, agent, type, errors, since, until } = query;
  return eventQueryOf({
    ...(taskId !== undefined && { taskId }),
    ...(agent !== undefined && { agent }),
    ...(type !== undefined && { type }),
    ...(errors !== undefined && { errors }),
    ...(since !== undefined && { since }),
    ...(until !== undefined && { until }),
  });
}

/**
 * The outside shape of tasks, events and agents: SPEC §1's fields in snake_case. The CLI's
 * `--json` and the MCP tools both answer in it, so scripts and agents see one vocabulary;
 * a field is never renamed, only added.
 */
import type { Agent, BoardEvent, Task } from "./task.js";

export type WireObject = Record<string, unknown>;

export function taskToWire(task: Task): WireObject {
  return {
    id: task.id,
    title: task.title,
    description: task.description,
    metadata: task.metadata,
    result: task.result,
    status: task.status,
    priority: task.priority,
    needs: task.needs,
    depends_on: task.dependsOn,
    assigned_to: task.assignedTo,
    lease_token: task.leaseToken,
    lease_expires_at: task.leaseExpiresAt,
    attempts: task.attempts,
    max_attempts: task.maxAttempts,
    next_attempt_at: task.nextAttemptAt,
    last_error: task.lastError,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    created_by: task.createdBy,
    version: task.version,
  };
}

/** `data` keeps the library's field names: it is the change exactly as replay folds it. */
export function eventToWire(event: BoardEvent): WireObject {
  return {
    seq: event.seq,
    at: event.at,
    type: event.type,
    task_id: event.taskId,
    agent_id: event.agentId,
    from: event.from,
    to: event.to,
    details: event.details,
    data: event.data,
  };
}

/** The inverse of eventToWire, for stores that keep events in this shape (tasks.audit.jsonl). */
export function eventFromWire(wire: WireObject): BoardEvent {
  return {
    seq: wire.seq,
    at: wire.at,
    type: wire.type,
    taskId: wire.task_id,
    agentId: wire.agent_id,
    from: wire.from,
    to: wire.to,
    details: wire.details,
    data: wire.data,
  } as BoardEvent;
}

export function agentToWire(agent: Agent): WireObject {
  return { id: agent.id, capabilities: agent.capabilities, last_seen_at: agent.lastSeenAt };
}

/** An agent with its workload and record (`baton agents`, GET /api/agents): agentToWire's fields plus these. */
export function agentActivityToWire(activity: {
  id: string;
  capabilities: readonly string[];
  lastSeenAt: string;
  liveness: string;
  holding: readonly string[];
  reserved: number;
  completed: number;
  failed: number;
}): WireObject {
  return {
    ...agentToWire({ id: activity.id, capabilities: [...activity.capabilities], lastSeenAt: activity.lastSeenAt }),
    state: activity.liveness,
    holding: activity.holding,
    reserved: activity.reserved,
    completed: activity.completed,
    failed: activity.failed,
  };
}

/** A page as every face answers it: `next_cursor` is null on the last page (src/board/paging.ts). */
export function pageToWire<T>(
  page: { items: readonly T[]; nextCursor: string | null },
  itemToWire: (item: T) => WireObject,
): { items: WireObject[]; next_cursor: string | null } {
  return { items: page.items.map(itemToWire), next_cursor: page.nextCursor };
}

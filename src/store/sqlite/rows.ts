/** Mapping between SQLite rows and domain objects. */
import { checkStoredToken } from "../../core/fencing.js";
import { checkedMetadata } from "../../core/limits.js";
import { PRIORITY_RANK } from "../../core/task.js";
import type { Agent, BoardEvent, EventType, Task, TaskStatus, Priority } from "../../core/task.js";

export interface TaskRow {
  id: string;
  title: string;
  description: string;
  metadata: string;
  result: string | null;
  status: string;
  priority: string;
  priority_rank: number;
  needs: string;
  depends_on: string;
  assigned_to: string | null;
  lease_token: number | null;
  lease_expires_at: string | null;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  version: number;
}

export function taskFromRow(row: TaskRow): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    metadata: checkedMetadata(JSON.parse(row.metadata) as Record<string, unknown>, `task ${row.id}`),
    result: row.result,
    status: row.status as TaskStatus,
    priority: row.priority as Priority,
    needs: JSON.parse(row.needs) as string[],
    dependsOn: JSON.parse(row.depends_on) as string[],
    assignedTo: row.assigned_to,
    leaseToken: row.lease_token === null ? null : checkStoredToken(row.lease_token, `task ${row.id}`),
    leaseExpiresAt: row.lease_expires_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
    version: row.version,
  };
}

export function rowFromTask(task: Task): TaskRow {
  return {
    id: task.id,
    title: task.title,
    description: task.description,
    metadata: JSON.stringify(task.metadata),
    result: task.result,
    status: task.status,
    priority: task.priority,
    priority_rank: PRIORITY_RANK[task.priority],
    needs: JSON.stringify(task.needs),
    depends_on: JSON.stringify(task.dependsOn),
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

export interface EventRow {
  seq: number;
  at: string;
  type: string;
  task_id: string | null;
  agent_id: string | null;
  from_status: string | null;
  to_status: string | null;
  details: string;
  data: string;
}

export function eventFromRow(row: EventRow): BoardEvent {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type as EventType,
    taskId: row.task_id,
    agentId: row.agent_id,
    from: row.from_status as TaskStatus | null,
    to: row.to_status as TaskStatus | null,
    details: row.details,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

export interface AgentRow {
  id: string;
  capabilities: string;
  last_seen_at: string;
}

export function agentFromRow(row: AgentRow): Agent {
  return { id: row.id, capabilities: JSON.parse(row.capabilities) as string[], lastSeenAt: row.last_seen_at };
}

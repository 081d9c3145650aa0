/**
 * What `--json` prints: the fields of SPEC §1 in snake_case, the same names the MCP tools use.
 * Scripts parse these, so a field is never renamed, only added.
 */
import type { HealReport } from "../board.js";
import type { Agent, BoardEvent, Task } from "../core/task.js";

export function taskJson(task: Task): Record<string, unknown> {
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
  };
}

export function eventJson(event: BoardEvent): Record<string, unknown> {
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

export function agentJson(agent: Agent): Record<string, unknown> {
  return { id: agent.id, capabilities: agent.capabilities, last_seen_at: agent.lastSeenAt };
}

export function healJson(report: HealReport): Record<string, unknown> {
  return {
    timed_out: report.timedOut,
    poisoned: report.poisoned,
    retried: report.retried,
    dead_agents: report.deadAgents,
  };
}

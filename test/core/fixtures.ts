/** A task in any status, for unit tests of the pure core. */
import type { Task, TaskStatus } from "../../src/core/task.js";

export const T0 = Date.parse("2030-01-01T00:00:00.000Z");
export const iso = (offsetSeconds: number): string => new Date(T0 + offsetSeconds * 1000).toISOString();

export function taskIn(status: TaskStatus, overrides: Partial<Task> = {}): Task {
  const held = status === "in_progress";
  return {
    id: "T-1",
    title: "a task",
    description: "",
    metadata: {},
    result: null,
    status,
    priority: "medium",
    needs: [],
    dependsOn: [],
    assignedTo: held ? "A" : null,
    leaseToken: held ? 7 : null,
    leaseExpiresAt: held ? iso(60) : null,
    attempts: 0,
    maxAttempts: 3,
    nextAttemptAt: status === "failed" ? iso(300) : null,
    lastError: null,
    createdAt: iso(-10),
    updatedAt: iso(-10),
    createdBy: null,
    version: 1,
    ...overrides,
  };
}

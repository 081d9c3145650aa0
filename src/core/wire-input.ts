/**
 * The snake_case fields faces take in (MCP tool arguments, HTTP bodies and query strings),
 * mapped once to the library's camelCase inputs. The inverse of wire-shape.ts.
 */
import { definedFields } from "./exhaustive.js";
import type { TaskStatus } from "./task.js";
import type { NewTaskInput, TaskPatch } from "./validation.js";

/** A new task as the wire spells it (SPEC §1's names). */
export interface NewTaskWire {
  title: string;
  description?: string | undefined;
  priority?: NewTaskInput["priority"] | undefined;
  needs?: string[] | undefined;
  depends_on?: string[] | undefined;
  id?: string | undefined;
  prefix?: string | undefined;
  assigned_to?: string | undefined;
  max_attempts?: number | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export function newTaskFromWire(wire: NewTaskWire): NewTaskInput {
  return {
    title: wire.title,
    description: wire.description,
    priority: wire.priority,
    needs: wire.needs,
    dependsOn: wire.depends_on,
    id: wire.id,
    prefix: wire.prefix,
    assignedTo: wire.assigned_to,
    maxAttempts: wire.max_attempts,
    metadata: wire.metadata,
  };
}

/** An edit as the wire spells it. */
export interface TaskPatchWire {
  title?: string | undefined;
  description?: string | undefined;
  priority?: TaskPatch["priority"] | undefined;
  needs?: string[] | undefined;
  depends_on?: string[] | undefined;
  max_attempts?: number | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/** Only the fields given: an edit that names none is refused ("nothing to update"). */
export function taskPatchFromWire(wire: TaskPatchWire): TaskPatch {
  return definedFields({
    title: wire.title,
    description: wire.description,
    priority: wire.priority,
    needs: wire.needs,
    dependsOn: wire.depends_on,
    maxAttempts: wire.max_attempts,
    metadata: wire.metadata,
  }) as TaskPatch;
}

/** The filters of a task list as the wire spells them. */
export interface TaskFilterWire {
  status?: TaskStatus | TaskStatus[] | undefined;
  assigned_to?: string | undefined;
  text?: string | undefined;
}

export function taskFilterFromWire(wire: TaskFilterWire): { status?: TaskStatus | TaskStatus[]; agent?: string; text?: string } {
  return {
    ...(wire.status !== undefined && { status: wire.status }),
    ...(wire.assigned_to !== undefined && { agent: wire.assigned_to }),
    ...(wire.text !== undefined && { text: wire.text }),
  };
}

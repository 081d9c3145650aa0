/**
 * Refusals → MCP tool errors, in one table. A refusal is a tool result with `isError: true`
 * (not a JSON-RPC error), so the model reads it and can act: the text is the CLI's own
 * `{"error":{"code","message"}}` plus `next`, what a model should do about this code.
 * Clients show either the text or structuredContent (Claude Code drops structuredContent of
 * error results, anthropics/claude-code#86032), so both carry the same object.
 */
import { ErrorCode, isBatonError } from "../core/errors.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** What to do next, per code; the message says what happened. */
export const NEXT_STEP: Record<ErrorCode, string> = {
  [ErrorCode.INVALID_INPUT]: "fix the named argument and call again; nothing was changed",
  [ErrorCode.NOT_FOUND]: "check the id; list_tasks shows the tasks on this board",
  [ErrorCode.CONFLICT]:
    "the board's state forbids it (the message says why: held by another agent, finished, reserved, a capability you lack, an id taken): pick another task (claim_task without id) or another id",
  [ErrorCode.NOT_READY]:
    "it waits for the listed dependencies or its retry time: claim another task, or wait and try again",
  [ErrorCode.LEASE_LOST]:
    "stop working on this task: another agent may own it now. Do not repeat its side effects; claim another task",
  [ErrorCode.VERSION_MISMATCH]:
    "the task changed since the version you named: read it again (show_task), decide again, and retry with its current version",
  [ErrorCode.NOTHING_READY]:
    "nothing to claim now: wait a while and call claim_task again, or call list_tasks with status pending to see what is blocked",
  [ErrorCode.LOCK_TIMEOUT]: "the board is busy; call again in a few seconds",
  [ErrorCode.CORRUPT_STORE]: "the board's store is damaged; stop and tell a person (baton never overwrites it)",
  [ErrorCode.STORE_UNAVAILABLE]: "the board cannot be reached; call again later, or tell a person if it persists",
};

/** Not a BatonError: a bug or an unexpected failure, reported rather than crashing the session. */
export const INTERNAL = "INTERNAL";

export function toolError(error: unknown): CallToolResult {
  const body = isBatonError(error)
    ? { error: { code: error.code, message: error.message, next: NEXT_STEP[error.code], ...factsOf(error.details) } }
    : { error: { code: INTERNAL, message: error instanceof Error ? error.message : String(error) } };
  return { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body, isError: true };
}

/** The refusal's facts (holder, open dependencies…), minus `problems`: the message lists them. */
function factsOf(details: Record<string, unknown>): { details?: Record<string, unknown> } {
  const { problems: _, ...facts } = details;
  return Object.keys(facts).length > 0 ? { details: facts } : {};
}

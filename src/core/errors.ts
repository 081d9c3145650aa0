/**
 * The one error class of baton. Every refusal carries a stable string code; each face maps
 * codes to its own vocabulary in one table (CLI exit codes, MCP tool errors, HTTP statuses).
 */
export const ErrorCode = {
  INVALID_INPUT: "INVALID_INPUT",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  NOT_READY: "NOT_READY",
  LEASE_LOST: "LEASE_LOST",
  /** An edit named the task version it was made against, and the task has changed since. */
  VERSION_MISMATCH: "VERSION_MISMATCH",
  NOTHING_READY: "NOTHING_READY",
  LOCK_TIMEOUT: "LOCK_TIMEOUT",
  CORRUPT_STORE: "CORRUPT_STORE",
  STORE_UNAVAILABLE: "STORE_UNAVAILABLE",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * What marks a BatonError, shared by every copy of this module in a process: the CLI's fast
 * path is bundled (scripts/bundle-cli.mjs) while the stores and faces it loads on demand run
 * from the compiled tree, so one process may hold two BatonError classes. Symbol.for gives
 * both the same key; `instanceof BatonError` and isBatonError both test it.
 */
const BRAND = Symbol.for("baton-board.BatonError");

export class BatonError extends Error {
  override readonly name = "BatonError";
  readonly [BRAND] = true;

  /** `x instanceof BatonError` holds for a BatonError of any copy of this module (see BRAND). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBatonError(value);
  }

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Machine-readable facts behind the refusal (who holds the task, which deps are open…). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export function isBatonError(error: unknown): error is BatonError {
  return typeof error === "object" && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}

export const invalidInput = (message: string, details?: Record<string, unknown>): BatonError =>
  new BatonError(ErrorCode.INVALID_INPUT, message, details);

export const notFound = (taskId: string): BatonError =>
  new BatonError(
    ErrorCode.NOT_FOUND,
    `task ${taskId} not found (see \`baton list\` for the tasks on this board)`,
    { taskId },
  );

export const versionMismatch = (taskId: string, expectedVersion: number, version: number): BatonError =>
  new BatonError(
    ErrorCode.VERSION_MISMATCH,
    `task ${taskId} changed since version ${expectedVersion}: it is at version ${version} now; ` +
      "read it again (`baton show`), then retry against the current version",
    { taskId, expectedVersion, version },
  );

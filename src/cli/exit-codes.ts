/**
 * The CLI's one table from outcomes to exit codes (SPEC §5). Scripts and agents branch on
 * these numbers, so they never change meaning.
 */
import { ErrorCode, isBatonError } from "../core/errors.js";

export const ExitCode = {
  ok: 0,
  /** The store is corrupt or unreachable, or something unexpected went wrong. */
  error: 1,
  /** Unknown verb or flag, missing argument, invalid input. Nothing was changed. */
  usage: 2,
  /** No such task, or no board here. */
  notFound: 3,
  /** Held by another agent, lease lost, not ready, already finished, changed since the version given. */
  conflict: 4,
  /** `claim` / `next`: nothing is ready for this agent now. */
  nothingReady: 5,
  /** The board stayed locked by other writers for longer than the lock timeout. */
  lockTimeout: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_OF: Record<ErrorCode, ExitCode> = {
  [ErrorCode.INVALID_INPUT]: ExitCode.usage,
  [ErrorCode.NOT_FOUND]: ExitCode.notFound,
  [ErrorCode.CONFLICT]: ExitCode.conflict,
  [ErrorCode.NOT_READY]: ExitCode.conflict,
  [ErrorCode.LEASE_LOST]: ExitCode.conflict,
  [ErrorCode.VERSION_MISMATCH]: ExitCode.conflict,
  [ErrorCode.NOTHING_READY]: ExitCode.nothingReady,
  [ErrorCode.LOCK_TIMEOUT]: ExitCode.lockTimeout,
  [ErrorCode.CORRUPT_STORE]: ExitCode.error,
  [ErrorCode.STORE_UNAVAILABLE]: ExitCode.error,
};

/** The code printed for failures that are not a BatonError (a bug, an I/O surprise). */
export const INTERNAL = "INTERNAL";

export interface CliFailure {
  code: ErrorCode | typeof INTERNAL;
  message: string;
  exitCode: ExitCode;
  /** A refused batch claim: what was claimed (nothing) and why each id was refused. */
  batch?: { assigned: unknown[]; failed: unknown[] };
}

/**
 * A BatonError may come from a second copy of the core (the fast path is bundled, while
 * stores and faces loaded on demand run from the compiled tree): isBatonError recognises
 * both (see core/errors.ts). A code this copy does not know (a newer store) is INTERNAL.
 */
export function describeFailure(error: unknown): CliFailure {
  if (isBatonError(error) && Object.hasOwn(EXIT_CODE_OF, error.code)) {
    const failure: CliFailure = { code: error.code, message: error.message, exitCode: EXIT_CODE_OF[error.code] };
    const details = error.details;
    if (Array.isArray(details?.failed) && Array.isArray(details?.assigned)) {
      failure.batch = { assigned: details.assigned, failed: details.failed };
    }
    return failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: INTERNAL,
    message: `unexpected failure: ${message} (set BATON_DEBUG=1 for the stack trace, and please report it)`,
    exitCode: ExitCode.error,
  };
}

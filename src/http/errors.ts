/**
 * Refusals → HTTP statuses, in one table. Every error body is `{"error":{"code","message"}}`
 * (a 412 adds `current`, the task as it is now). A failure that is not a refusal — a bug — is
 * a 500 with a fixed message: the details go to the server's log, never a stack trace to the
 * client.
 */
import { ErrorCode, isBatonError } from "../core/errors.js";

/** Refusals the HTTP face adds to the board's own: who may ask, and how the request looks. */
export const HttpCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  ROUTE_NOT_FOUND: "ROUTE_NOT_FOUND",
  METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
  PRECONDITION_REQUIRED: "PRECONDITION_REQUIRED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  INTERNAL: "INTERNAL",
} as const;
export type HttpCode = (typeof HttpCode)[keyof typeof HttpCode];

export type AnyCode = ErrorCode | HttpCode;

export const STATUS_OF: Record<AnyCode, number> = {
  [ErrorCode.INVALID_INPUT]: 400,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.NOT_READY]: 409,
  [ErrorCode.LEASE_LOST]: 409,
  // Not an error of the request: nothing is ready now. 409 keeps it apart from a success a
  // polling client would mistake for a claim; the code says which.
  [ErrorCode.NOTHING_READY]: 409,
  [ErrorCode.VERSION_MISMATCH]: 412,
  [ErrorCode.LOCK_TIMEOUT]: 503,
  [ErrorCode.STORE_UNAVAILABLE]: 503,
  [ErrorCode.CORRUPT_STORE]: 500,
  [HttpCode.UNAUTHENTICATED]: 401,
  [HttpCode.FORBIDDEN]: 403,
  [HttpCode.ROUTE_NOT_FOUND]: 404,
  [HttpCode.METHOD_NOT_ALLOWED]: 405,
  [HttpCode.PRECONDITION_REQUIRED]: 428,
  [HttpCode.PAYLOAD_TOO_LARGE]: 413,
  [HttpCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [HttpCode.INTERNAL]: 500,
};

/** Seconds a client should wait before retrying, for the codes that mean "busy, try again". */
export const RETRY_AFTER: Partial<Record<AnyCode, number>> = {
  [ErrorCode.LOCK_TIMEOUT]: 1,
  [ErrorCode.STORE_UNAVAILABLE]: 5,
};

/** A refusal by the HTTP face itself (auth, headers, body), thrown by middleware and routes. */
export class HttpRefusal extends Error {
  override readonly name = "HttpRefusal";
  constructor(
    readonly code: HttpCode,
    message: string,
    /** Headers the answer carries (WWW-Authenticate on a 401). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface ErrorAnswer {
  status: number;
  body: { error: { code: AnyCode; message: string } };
  headers: Record<string, string>;
}

export function errorAnswer(code: AnyCode, message: string): ErrorAnswer {
  const retryAfter = RETRY_AFTER[code];
  return {
    status: STATUS_OF[code],
    body: { error: { code, message } },
    headers: retryAfter === undefined ? {} : { "retry-after": String(retryAfter) },
  };
}

/**
 * What a thrown value becomes. A BatonError may come from a second copy of the core (the CLI's
 * bundle), so it is recognised by name and code, as src/cli/exit-codes.ts does.
 */
export function answerFor(error: unknown, log: (message: string) => void): ErrorAnswer {
  if (error instanceof HttpRefusal) {
    const answer = errorAnswer(error.code, error.message);
    return { ...answer, headers: { ...answer.headers, ...error.headers } };
  }
  if (isBatonError(error) || (error instanceof Error && error.name === "BatonError")) {
    const code = (error as Error & { code?: unknown }).code;
    if (typeof code === "string" && Object.hasOwn(STATUS_OF, code)) return errorAnswer(code as AnyCode, error.message);
  }
  log(`baton serve: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return errorAnswer(HttpCode.INTERNAL, "unexpected failure on the server; it is logged there (please report it)");
}

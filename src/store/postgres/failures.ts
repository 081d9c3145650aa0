/**
 * What a PostgreSQL failure means for baton: a lost or refused connection (retry while it is
 * safe, else STORE_UNAVAILABLE), a serialization conflict (re-run the transaction), a lock
 * wait that ran out (LOCK_TIMEOUT), or a value PostgreSQL cannot store (INVALID_INPUT).
 * Messages name host, port and database — never the password.
 */
import { BatonError, ErrorCode } from "../../core/errors.js";

const CONNECTION_ERRNOS = new Set([
  "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN",
]);
/** admin_shutdown, crash_shutdown, cannot_connect_now (starting/stopping), too_many_connections. */
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300"]);

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The connection is gone or cannot be made; the server may come back. */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof BatonError) return false;
  const code = codeOf(error);
  if (CONNECTION_ERRNOS.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith("08")) return true;
  return /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection refused|not queryable/i.test(
    messageOf(error),
  );
}

/** serialization_failure, deadlock_detected: PostgreSQL rolled back; running again is safe. */
export function isSerializationConflict(error: unknown): boolean {
  const code = codeOf(error);
  return code === "40001" || code === "40P01";
}

/** A unique key another transaction inserted first: running again sees it (e.g. "already exists"). */
export function isUniqueRace(error: unknown): boolean {
  return codeOf(error) === "23505";
}

/** `postgres://user@host:port/db` — the password is never shown. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return parsed.toString().replace(/^postgres(ql)?:\/\/([^@]*):?@/, "postgres://$2@");
  } catch {
    return url.replace(/:[^:@/]*@/, "@");
  }
}

export function hostAndPort(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || process.env["PGHOST"] || "localhost";
    return `${host}:${parsed.port || process.env["PGPORT"] || "5432"}`;
  } catch {
    return "the configured host";
  }
}

export function unavailable(location: string, hostPort: string, error: unknown, what: string): BatonError {
  const code = codeOf(error);
  let reason = messageOf(error);
  if (code === "ECONNREFUSED") reason = `connection refused at ${hostPort} (is PostgreSQL running there?)`;
  else if (code === "57P03") reason = "the server is starting up or shutting down";
  else if (code === "57P01" || code === "57P02") reason = "the server shut down the connection";
  else if (code === "53300") reason = "the server has too many connections (raise max_connections)";
  else if (code === "28P01" || code === "28000") reason = "authentication failed: check the user and password";
  else if (code === "3D000") reason = `${reason}; create it first (createdb), then run \`baton init\``;
  return new BatonError(
    ErrorCode.STORE_UNAVAILABLE,
    `cannot reach the PostgreSQL board ${location} (${hostPort}) ${what}: ${reason}`,
    { location, pgCode: code || undefined },
  );
}

/** Failures that are baton's to name, or undefined to rethrow as is. */
export function mapQueryFailure(error: unknown, location: string, lockTimeoutMs: number): BatonError | undefined {
  const code = codeOf(error);
  if (code === "55P03") {
    return new BatonError(
      ErrorCode.LOCK_TIMEOUT,
      `a task on the board ${location} stayed locked by another agent for over ${lockTimeoutMs} ms; retry, or raise lockTimeoutSeconds (in .baton/config.json, e.g. {"lockTimeoutSeconds": 120})`,
      { location, waitedMs: lockTimeoutMs },
    );
  }
  if (isSerializationConflict(error)) {
    return new BatonError(
      ErrorCode.LOCK_TIMEOUT,
      `the tasks this operation reads on ${location} kept changing under it for over ${lockTimeoutMs} ms; retry`,
      { location, waitedMs: lockTimeoutMs },
    );
  }
  if (code === "22021" || code === "22P05" || (code === "22P02" && /\\u0000/.test(messageOf(error)))) {
    return new BatonError(
      ErrorCode.INVALID_INPUT,
      `PostgreSQL cannot store this value (${messageOf(error)}); remove NUL characters (\\u0000) and retry`,
      { location },
    );
  }
  if (code === "42P01" || code === "42883") {
    return new BatonError(
      ErrorCode.CORRUPT_STORE,
      `the database ${location} is missing part of the baton schema (${messageOf(error)}); it was left untouched`,
      { location },
    );
  }
  return undefined;
}

/**
 * Statements sent as text with their values inlined as SQL literals. node-pg waits for each
 * statement's answer before sending the next (no pipelining), so every statement costs a
 * round trip (0.25 ms on loopback here, more across machines). Writes whose answer the board
 * does not need (a task update, its event, the agent's heartbeat row) are queued and sent
 * together with the next read or with COMMIT, as one multi-statement simple query.
 */
import { invalidInput } from "../../core/errors.js";

/** The same quoting as libpq's PQescapeLiteral: '…' with quotes doubled, E'…' if backslashes. */
export function quoteLiteral(text: string): string {
  // A NUL byte would end the query text on the wire; PostgreSQL cannot store one in text anyway.
  if (text.includes("\u0000")) {
    throw invalidInput("PostgreSQL cannot store a NUL character (\\u0000) in text; remove it and retry");
  }
  const body = text.replace(/'/g, "''");
  return text.includes("\\") ? ` E'${body.replace(/\\/g, "\\\\")}'` : `'${body}'`;
}

export function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot inline the number ${value}`);
    return String(value);
  }
  if (typeof value === "string") return quoteLiteral(value);
  if (Array.isArray(value)) return `ARRAY[${value.map((v) => quoteLiteral(String(v))).join(", ")}]::text[]`;
  throw new Error(`cannot inline a ${typeof value}`);
}

/** `text` with each $n replaced by the literal of values[n-1]. Our statements hold no other `$`. */
export function inline(text: string, values: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

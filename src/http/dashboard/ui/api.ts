/**
 * The dashboard's only door to the board: the JSON API of src/http (same wire shape as
 * `baton --json`). Every request carries the HttpOnly session cookie the one-time URL set;
 * the page never sees a token.
 */
export interface WireTask {
  id: string;
  title: string;
  description: string;
  metadata: Record<string, unknown>;
  result: string | null;
  status: TaskStatus;
  priority: Priority;
  needs: string[];
  depends_on: string[];
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
  checkpoint?: { note: string; at: string } | null;
}

export interface WireEvent {
  seq: number;
  at: string;
  type: string;
  task_id: string | null;
  agent_id: string | null;
  from: string | null;
  to: string | null;
  details: string;
  data: Record<string, unknown>;
}

export interface WireAgent {
  id: string;
  capabilities: string[];
  last_seen_at: string;
  state?: "alive" | "silent" | "dead";
  holding?: string[];
  completed?: number;
  failed?: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const STATUSES = ["pending", "in_progress", "failed", "dead", "completed", "cancelled"] as const;
export type TaskStatus = (typeof STATUSES)[number];
export const PRIORITIES = ["critical", "high", "medium", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** An answer the API refused: its code and message are shown to the person as they are. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** On 412: the task as it is now, so the person sees what changed. */
    readonly current?: WireTask,
  ) {
    super(message);
  }
}

/** Milliseconds the server's clock is ahead of this browser's (from the Date header). */
export let serverSkewMs = 0;

export async function api<T>(
  method: "GET" | "POST" | "PATCH",
  path: string,
  options: { body?: unknown; ifMatch?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.ifMatch !== undefined) headers["if-match"] = `"${options.ifMatch}"`;
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: options.body === undefined ? null : JSON.stringify(options.body),
  });
  const date = response.headers.get("date");
  if (date) serverSkewMs = Date.parse(date) + 500 - Date.now();
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string }; current?: WireTask } | null) ?? {};
    throw new ApiError(
      response.status,
      error.error?.code ?? `HTTP_${response.status}`,
      error.error?.message ?? response.statusText,
      error.current,
    );
  }
  return json as T;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The JSON POST the HTTP workers (http-claimer.ts, http-stalled-holder.ts) and the HTTP chaos scenario (bench/chaos/http-stopped.ts) send to `baton serve`. */

/** Where the server is and the bearer token it takes. */
export interface ServerAccess {
  url: string;
  token: string;
}

export interface JsonAnswer {
  status: number;
  body: any;
}

/** POSTs `body` as JSON to `path`; the answer's status and parsed body. `timeoutMs`: abort after that long. */
export async function postJson(server: ServerAccess, path: string, body: unknown, timeoutMs?: number): Promise<JsonAnswer> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(timeoutMs !== undefined && { signal: AbortSignal.timeout(timeoutMs) }),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Test support: the HTTP app on a fresh SQLite board, called through `app.request()` with no
 * socket. Two tokens: `lead` (write) and `viewer` (read).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { openBoard } from "../../src/index.js";
import { createApp } from "../../src/http/app.js";
import { Credentials } from "../../src/http/auth.js";
import { EventFanout } from "../../src/http/event-fanout.js";
import type { Board } from "../../src/index.js";
import type { AppOptions } from "../../src/http/app.js";

export const WRITE_TOKEN = "write-token-0123456789";
export const READ_TOKEN = "read-token-0123456789ab";
export const HOST = "127.0.0.1:7420";

export interface TestServer {
  board: Board;
  url: string;
  credentials: Credentials;
  events: EventFanout;
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** A request that must answer `status`; returns its JSON body. */
  json<T = any>(method: string, path: string, status: number, options?: RequestOptions): Promise<T>;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as it is (not JSON-encoded). */
  rawBody?: string;
  token?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const open: { board: Board; events: EventFanout }[] = [];
afterEach(async () => {
  for (const { board, events } of open.splice(0)) {
    events.close();
    await board.close().catch(() => undefined);
  }
});

export async function testServer(overrides: Partial<AppOptions> = {}, url?: string): Promise<TestServer> {
  const boardUrl = url ?? `sqlite:${join(mkdtempSync(join(tmpdir(), "baton-http-")), "board.db")}`;
  const board = await openBoard(boardUrl);
  const events = new EventFanout(board, 10);
  open.push({ board, events });
  const credentials = new Credentials([
    { name: "lead", role: "write", token: WRITE_TOKEN },
    { name: "viewer", role: "read", token: READ_TOKEN },
  ]);
  const app = createApp({
    board,
    events,
    credentials,
    allowedHosts: [HOST],
    maxBodyBytes: 64 * 1024,
    stream: { heartbeatMs: 15_000, resyncAfter: 10_000, maxQueued: 1000 },
    log: () => {},
    ...overrides,
  });
  const request = (method: string, path: string, options: RequestOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = { host: HOST, ...options.headers };
    const token = options.token === undefined ? WRITE_TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    return Promise.resolve(
      app.request(`http://${HOST}${path}`, { method, headers, ...(body !== undefined && { body }), ...(options.signal && { signal: options.signal }) }),
    );
  };
  return {
    board,
    url: boardUrl,
    credentials,
    events,
    request,
    async json(method, path, status, options) {
      const response = await request(method, path, options);
      const text = await response.text();
      if (response.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${response.status}: ${text}`);
      return JSON.parse(text);
    },
  };
}

/**
 * The HTTP face as a Hono app, built from a board passed in: the guards every request goes
 * through (Host, Origin, body size, token), then the route table. No runtime code here: no
 * socket, no timers, no environment; src/http/node.ts binds it to a port, and tests call
 * `app.request()` on it directly.
 */
import { Hono } from "hono";
import { invalidInput } from "../core/errors.js";
import { parseInput } from "../core/validation.js";
import { bearerToken, sessionCookie, sessionCookieHeader } from "./auth.js";
import { HttpCode, HttpRefusal, answerFor, errorAnswer } from "./errors.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { recordRoutes } from "./routes/records.js";
import { streamRoutes } from "./routes/stream.js";
import { taskRoutes } from "./routes/tasks.js";
import { workRoutes } from "./routes/work.js";
import type { Context } from "hono";
import type { Credentials, Identity } from "./auth.js";
import { SECURITY_HEADERS } from "./route.js";
import type { JsonAnswer, Route, RouteContext, RouteDeps } from "./route.js";
import type * as z from "zod/mini";

/** Every route of the API, in one table (docs/http.md lists them). */
export const ROUTES: readonly Route[] = [...taskRoutes, ...workRoutes, ...recordRoutes, ...streamRoutes, ...dashboardRoutes];

/** A built file the app serves outside /api (the dashboard's index.html, app.js…). */
export interface StaticAsset {
  body: Uint8Array;
  contentType: string;
  etag: string;
}

/** What the dashboard's files are served under: no inline script or style, no other origin. */
export const STATIC_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface AppOptions extends RouteDeps {
  credentials: Credentials;
  /** Host header values accepted (host:port, lowercase); anything else is refused (DNS rebinding). */
  allowedHosts: readonly string[];
  /** Origins accepted besides the server's own (a reverse proxy's public origin). */
  allowedOrigins?: readonly string[];
  /** Request bodies above this many bytes are refused with 413. */
  maxBodyBytes: number;
  /** Files served at `/` + name (index.html at `/`), without a token: they hold no board data. */
  assets?: ReadonlyMap<string, StaticAsset>;
  log: (message: string) => void;
}

type Env = { Variables: { identity: Identity } };

export function createApp(options: AppOptions): Hono<Env> {
  const app = new Hono<Env>();
  const hosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const origins = new Set((options.allowedOrigins ?? []).map((o) => o.toLowerCase()));

  app.onError((error) => respond(answerFor(error, options.log)));
  app.notFound((c) => respond(errorAnswer(HttpCode.ROUTE_NOT_FOUND, `no route ${c.req.method} ${c.req.path}; see docs/http.md for the routes`)));

  // One middleware for every guard (each middleware is a dispatch and a closure per request):
  // Host and Origin on every path; on /api/ also the body size and who asks.
  app.use("*", async (c, next) => {
    checkHostAndOrigin(c, hosts, origins);
    const path = c.req.path;
    if (path === "/api" || path.startsWith("/api/")) c.set("identity", identify(c, options));
    await next();
  });

  // The one-time link `serve` prints: its code becomes a session cookie, once.
  app.get("/login", (c) => {
    const redeemed = options.credentials.redeem(c.req.query("code") ?? "");
    if (!redeemed) {
      throw new HttpRefusal(HttpCode.UNAUTHENTICATED, "this sign-in link is unknown or was used already; restart serve for a new one, or use a token");
    }
    return new Response(null, {
      status: 303,
      headers: { location: "/", "set-cookie": sessionCookieHeader(redeemed.sessionId), "cache-control": "no-store", ...SECURITY_HEADERS },
    });
  });

  for (const route of ROUTES) {
    app.on(route.method, route.path, async (c) => {
      const identity = c.get("identity");
      if (route.access === "write" && identity.role !== "write") {
        throw new HttpRefusal(HttpCode.FORBIDDEN, `${identity.name}'s token is read-only; ${route.method} ${route.path} needs a write token`);
      }
      const answer = await route.run(new RequestContext(c, options.maxBodyBytes, options, identity));
      return answer instanceof Response ? answer : respond(answer);
    });
  }
  for (const path of new Set(ROUTES.map((r) => r.path))) {
    const methods = ROUTES.filter((r) => r.path === path).map((r) => r.method);
    app.all(path, (c) => {
      const answer = errorAnswer(HttpCode.METHOD_NOT_ALLOWED, `${c.req.method} is not allowed on ${path}; use ${methods.join(" or ")}`);
      return respond({ ...answer, headers: { ...answer.headers, allow: methods.join(", ") } });
    });
  }

  if (options.assets) serveAssets(app, options.assets);
  return app;
}

/** Refuses a Host that is not this server's (DNS rebinding) and an Origin of another site. */
function checkHostAndOrigin(c: Context<Env>, hosts: ReadonlySet<string>, origins: ReadonlySet<string>): void {
  const host = (c.req.header("host") ?? "").toLowerCase();
  if (!hosts.has(host)) {
    throw new HttpRefusal(
      HttpCode.FORBIDDEN,
      `Host ${JSON.stringify(host)} is not this server's name (a guard against DNS rebinding); behind a proxy, start serve with --allow-host ${host || "NAME"}`,
    );
  }
  const origin = c.req.header("origin")?.toLowerCase();
  if (origin !== undefined && !origins.has(origin) && origin !== `http://${host}` && origin !== `https://${host}`) {
    throw new HttpRefusal(
      HttpCode.FORBIDDEN,
      `cross-origin request from ${origin} refused; only pages of this server may call it (or start serve with --allow-origin ${origin})`,
    );
  }
}

/**
 * Body size, then who asks. A declared body that is too large is refused before anything
 * reads it; one without a length (chunked) is counted as it is read (readJson). Not
 * hono/body-limit: it touches `c.req.raw.body`, which makes @hono/node-server build a full web
 * Request and stream for every request (9% of the server's CPU at 64 clients) instead of
 * reading the body directly.
 */
function identify(c: Context<Env>, options: AppOptions): Identity {
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > options.maxBodyBytes) throw tooLarge(options.maxBodyBytes);
  const token = bearerToken(c.req.header("authorization"));
  const session = sessionCookie(c.req.header("cookie"));
  const identity =
    token !== undefined ? options.credentials.byToken(token) : session !== undefined ? options.credentials.bySession(session) : undefined;
  if (!identity) {
    throw new HttpRefusal(
      HttpCode.UNAUTHENTICATED,
      token !== undefined || session !== undefined
        ? "that token or session is not valid here"
        : "this server needs a token: send Authorization: Bearer TOKEN (BATON_TOKEN or one of --token-file), or sign in through the link serve printed",
      { "www-authenticate": 'Bearer realm="baton"' },
    );
  }
  return identity;
}

/**
 * What a route sees of its request. A class, not an object literal: a literal with getters
 * and a spread got a hidden class of its own on every request, so every route reading it ran
 * megamorphic. With bench/http/instant-board-serve.ts (serve pinned to one core, 64 clients on
 * the other, two requests per cycle), the literal held the HTTP layer at 3,009–3,644 cycles/s;
 * this class gives 4,257–4,658 (three runs each, alternated).
 */
class RequestContext implements RouteContext {
  readonly board: RouteDeps["board"];
  readonly events: RouteDeps["events"];
  readonly stream: RouteDeps["stream"];
  readonly groupCommitCounts: RouteDeps["groupCommitCounts"];
  private parsedBody: Promise<unknown> | null = null;
  private paramsRead: Record<string, string> | undefined;
  private queryRead: Record<string, string> | undefined;

  constructor(
    private readonly c: Context<Env>,
    private readonly maxBodyBytes: number,
    deps: RouteDeps,
    readonly identity: Identity,
  ) {
    this.board = deps.board;
    this.events = deps.events;
    this.stream = deps.stream;
    this.groupCommitCounts = deps.groupCommitCounts;
  }

  // On first use only: most hot routes (claims, completions) read neither.
  get params(): Record<string, string> {
    return (this.paramsRead ??= this.c.req.param() as Record<string, string>);
  }

  get query(): Record<string, string> {
    return (this.queryRead ??= this.c.req.query());
  }

  headers(name: string): string | undefined {
    return this.c.req.header(name);
  }

  json(): Promise<unknown> {
    return (this.parsedBody ??= readJson(this.c, this.maxBodyBytes));
  }

  async body<S extends z.ZodMiniType>(schema: S, what: string): Promise<z.output<S>> {
    return parseInput(schema, await this.json(), what);
  }

  // On first use only: the adapter makes an AbortController per request that asks for one.
  get signal(): AbortSignal {
    return this.c.req.raw.signal;
  }
}

function tooLarge(maxBodyBytes: number): HttpRefusal {
  return new HttpRefusal(HttpCode.PAYLOAD_TOO_LARGE, `the request body is larger than ${maxBodyBytes} bytes`);
}

/** The body as JSON; an empty body is `{}`. Anything but application/json is refused (CSRF: a form cannot send it). */
async function readJson(c: Context<Env>, maxBodyBytes: number): Promise<unknown> {
  const text = await bodyText(c, maxBodyBytes);
  if (text.trim() === "") return {};
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new HttpRefusal(HttpCode.UNSUPPORTED_MEDIA_TYPE, `send the body as JSON with Content-Type: application/json (got ${type ?? "none"})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidInput(`the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The body as text, never more than `maxBodyBytes` of it. With a Content-Length (checked by the
 * guard above; Node's parser reads exactly that many bytes) the adapter reads the body straight
 * from the socket; without one, the stream is counted and cut off at the limit.
 */
async function bodyText(c: Context<Env>, maxBodyBytes: number): Promise<string> {
  if (c.req.header("content-length") !== undefined && c.req.header("transfer-encoding") === undefined) return c.req.text();
  const stream = c.req.raw.body;
  if (!stream) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBodyBytes) {
      await reader.cancel();
      throw tooLarge(maxBodyBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A JSON answer as a Response with its headers as one plain object: @hono/node-server writes
 * those straight to the socket, where c.header()/c.json() build and copy a web Headers object
 * per response.
 */
function respond(answer: JsonAnswer): Response {
  return new Response(JSON.stringify(answer.body), {
    status: answer.status ?? 200,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...SECURITY_HEADERS, ...answer.headers },
  });
}

function serveAssets(app: Hono<Env>, assets: ReadonlyMap<string, StaticAsset>): void {
  app.get("/:name{[A-Za-z0-9._-]*}", (c) => {
    const asset = assets.get(c.req.param("name") || "index.html");
    if (!asset) return c.notFound();
    if (c.req.header("if-none-match") === asset.etag) return new Response(null, { status: 304, headers: { ...SECURITY_HEADERS } });
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      ...SECURITY_HEADERS,
      "content-type": asset.contentType,
      etag: asset.etag,
      "cache-control": "no-cache",
      "content-security-policy": STATIC_CSP,
      "x-frame-options": "DENY",
    });
  });
}

/**
 * The HTTP face as a Hono app, built from a board passed in: the guards every request goes
 * through (Host, Origin, body size, token), then the route table. No runtime code here: no
 * socket, no timers, no environment; src/http/node.ts binds it to a port, and tests call
 * `app.request()` on it directly.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
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
import type { JsonAnswer, Route, RouteContext, RouteDeps } from "./route.js";

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

  app.onError((error, c) => respond(c, answerFor(error, options.log)));
  app.notFound((c) => respond(c, errorAnswer(HttpCode.ROUTE_NOT_FOUND, `no route ${c.req.method} ${c.req.path}; see docs/http.md for the routes`)));

  app.use("*", async (c, next) => {
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
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    await next();
  });

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: () => {
        throw new HttpRefusal(HttpCode.PAYLOAD_TOO_LARGE, `the request body is larger than ${options.maxBodyBytes} bytes`);
      },
    }),
  );

  // The one-time link `serve` prints: its code becomes a session cookie, once.
  app.get("/login", (c) => {
    const redeemed = options.credentials.redeem(c.req.query("code") ?? "");
    if (!redeemed) {
      throw new HttpRefusal(HttpCode.UNAUTHENTICATED, "this sign-in link is unknown or was used already; restart serve for a new one, or use a token");
    }
    c.header("set-cookie", sessionCookieHeader(redeemed.sessionId));
    c.header("cache-control", "no-store");
    return c.redirect("/", 303);
  });

  app.use("/api/*", async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    const session = sessionCookie(c.req.header("cookie"));
    const identity =
      token !== undefined ? options.credentials.byToken(token) : session !== undefined ? options.credentials.bySession(session) : undefined;
    if (!identity) {
      c.header("www-authenticate", 'Bearer realm="baton"');
      throw new HttpRefusal(
        HttpCode.UNAUTHENTICATED,
        token !== undefined || session !== undefined
          ? "that token or session is not valid here"
          : "this server needs a token: send Authorization: Bearer TOKEN (BATON_TOKEN or one of --token-file), or sign in through the link serve printed",
      );
    }
    c.set("identity", identity);
    await next();
  });

  for (const route of ROUTES) {
    app.on(route.method, route.path, async (c) => {
      const identity = c.get("identity");
      if (route.access === "write" && identity.role !== "write") {
        throw new HttpRefusal(HttpCode.FORBIDDEN, `${identity.name}'s token is read-only; ${route.method} ${route.path} needs a write token`);
      }
      const answer = await route.run(routeContext(c, options, identity));
      return answer instanceof Response ? answer : respond(c, answer);
    });
  }
  for (const path of new Set(ROUTES.map((r) => r.path))) {
    const methods = ROUTES.filter((r) => r.path === path).map((r) => r.method);
    app.all(path, (c) => {
      c.header("allow", methods.join(", "));
      return respond(c, errorAnswer(HttpCode.METHOD_NOT_ALLOWED, `${c.req.method} is not allowed on ${path}; use ${methods.join(" or ")}`));
    });
  }

  if (options.assets) serveAssets(app, options.assets);
  return app;
}

function routeContext(c: Context<Env>, options: AppOptions, identity: Identity): RouteContext {
  let body: Promise<unknown> | null = null;
  const json = (): Promise<unknown> => (body ??= readJson(c));
  return {
    board: options.board,
    events: options.events,
    stream: options.stream,
    identity,
    params: c.req.param() as Record<string, string>,
    query: c.req.query(),
    headers: (name) => c.req.header(name),
    json,
    body: async (schema, what) => parseInput(schema, await json(), what),
    signal: c.req.raw.signal,
  };
}

/** The body as JSON; an empty body is `{}`. Anything but application/json is refused (CSRF: a form cannot send it). */
async function readJson(c: Context<Env>): Promise<unknown> {
  const text = await c.req.text();
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

function respond(c: Context<Env>, answer: JsonAnswer): Response {
  for (const [name, value] of Object.entries(answer.headers ?? {})) c.header(name, value);
  c.header("cache-control", "no-store");
  return c.json(answer.body as object, (answer.status ?? 200) as 200);
}

function serveAssets(app: Hono<Env>, assets: ReadonlyMap<string, StaticAsset>): void {
  app.get("/:name{[A-Za-z0-9._-]*}", (c) => {
    const asset = assets.get(c.req.param("name") || "index.html");
    if (!asset) return c.notFound();
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      "content-type": asset.contentType,
      etag: asset.etag,
      "cache-control": "no-cache",
      "content-security-policy": STATIC_CSP,
      "x-frame-options": "DENY",
    });
  });
}

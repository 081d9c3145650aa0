/**
 * The HTTP face's guards, in-process: a token for every request (bearer or the session cookie
 * from the one-time link), read tokens cannot write, Host and Origin are checked, bodies are
 * limited, and bad input is 400 INVALID_INPUT with the board unchanged.
 */
import { describe, expect, test } from "vitest";
import { Credentials, parseTokenFile } from "../../src/http/auth.js";
import { READ_TOKEN, testServer } from "./http-harness.js";
import type { TestServer } from "./http-harness.js";

async function boardState(s: TestServer): Promise<unknown> {
  return { tasks: await s.board.list(), events: await s.board.audit(), counters: await s.board.counters() };
}

describe("who may ask", () => {
  test("no token is 401 with WWW-Authenticate; an unknown token too", async () => {
    const s = await testServer();
    for (const token of [null, "not-a-token-0123456789"]) {
      const response = await s.request("GET", "/api/tasks", { token });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="baton"');
      expect(((await response.json()) as any).error.code).toBe("UNAUTHENTICATED");
    }
    expect((await s.request("GET", "/api/health", { token: null })).status).toBe(401);
  });

  test("a read token reads but every write is 403, and the board is unchanged", async () => {
    const s = await testServer();
    await s.board.add({ title: "x" });
    const before = await boardState(s);
    expect((await s.request("GET", "/api/tasks", { token: READ_TOKEN })).status).toBe(200);
    for (const [method, path, body] of [
      ["POST", "/api/tasks", { title: "y" }],
      ["PATCH", "/api/tasks/T-1", { title: "z" }],
      ["POST", "/api/claims", { agent: "A" }],
      ["POST", "/api/reservations", { prefix: "SEC" }],
      ["POST", "/api/tasks/T-1/cancel", {}],
    ] as const) {
      const answer = await s.json(method, path, 403, { token: READ_TOKEN, body, headers: { "if-match": "*" } });
      expect(answer.error).toEqual({ code: "FORBIDDEN", message: `viewer's token is read-only; ${method} ${path.replace("T-1", ":id")} needs a write token` });
    }
    expect(await boardState(s)).toEqual(before);
  });

  test("the one-time link sets an HttpOnly SameSite=Strict cookie that authenticates, once", async () => {
    const s = await testServer();
    const code = s.credentials.loginCode({ name: "lead", role: "write" });
    const login = await s.request("GET", `/login?code=${code}`, { token: null });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/");
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^baton_session=[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    const session = cookie.split(";")[0] as string;
    expect(await s.json("GET", "/api/session", 200, { token: null, headers: { cookie: session } })).toEqual({ name: "lead", role: "write" });
    const created = await s.json("POST", "/api/tasks", 201, { token: null, headers: { cookie: session }, body: { title: "from the dashboard" } });
    expect(created.created_by).toBe("lead");
    expect((await s.request("GET", `/login?code=${code}`, { token: null })).status).toBe(401);
    expect((await s.request("GET", "/api/tasks", { token: null, headers: { cookie: "baton_session=forged" } })).status).toBe(401);
  });
});

describe("DNS rebinding and CSRF", () => {
  test("a Host that is not this server's is refused before anything else", async () => {
    const s = await testServer();
    for (const host of ["evil.example:7420", "127.0.0.1:80", "localhost"]) {
      const answer = await s.json("GET", "/api/tasks", 403, { headers: { host } });
      expect(answer.error.code).toBe("FORBIDDEN");
      expect(answer.error.message).toContain("DNS rebinding");
    }
  });

  test("a cross-origin write is refused and changes nothing; the server's own origin passes", async () => {
    const s = await testServer();
    const before = await boardState(s);
    const refused = await s.json("POST", "/api/tasks", 403, { body: { title: "csrf" }, headers: { origin: "http://evil.example" } });
    expect(refused.error.message).toBe("cross-origin request from http://evil.example refused; only pages of this server may call it (or start serve with --allow-origin http://evil.example)");
    expect(await boardState(s)).toEqual(before);
    await s.json("POST", "/api/tasks", 201, { body: { title: "same origin" }, headers: { origin: "http://127.0.0.1:7420" } });
  });

  test("a body that is not application/json is 415: a cross-site form cannot post one", async () => {
    const s = await testServer();
    const answer = await s.json("POST", "/api/tasks", 415, { rawBody: "title=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(answer.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await s.board.list()).toEqual([]);
  });
});

describe("bad input", () => {
  test("an oversized body is 413 and changes nothing", async () => {
    const s = await testServer({ maxBodyBytes: 1024 });
    const answer = await s.json("POST", "/api/tasks", 413, { body: { title: "big", description: "x".repeat(2000) } });
    expect(answer.error).toEqual({ code: "PAYLOAD_TOO_LARGE", message: "the request body is larger than 1024 bytes" });
    expect(await s.board.list()).toEqual([]);
  });

  test("a body declared larger than the limit is 413 before it is read; one counted while read too", async () => {
    const s = await testServer({ maxBodyBytes: 1024 });
    const declared = await s.json("POST", "/api/tasks", 413, { rawBody: JSON.stringify({ title: "small" }), headers: { "content-type": "application/json", "content-length": "5000" } });
    expect(declared.error).toEqual({ code: "PAYLOAD_TOO_LARGE", message: "the request body is larger than 1024 bytes" });
    // Within the limit, a declared length reads the body as usual.
    const fits = JSON.stringify({ title: "fits" });
    expect((await s.json("POST", "/api/tasks", 201, { rawBody: fits, headers: { "content-type": "application/json", "content-length": String(fits.length) } })).title).toBe("fits");
    expect((await s.board.list()).map((t) => t.title)).toEqual(["fits"]);
  });

  test("every answer carries nosniff and no-referrer: JSON, errors and the stream", async () => {
    const s = await testServer();
    const stream = new AbortController();
    const answers = [
      await s.request("GET", "/api/tasks"),
      await s.request("GET", "/api/tasks/T-404"),
      await s.request("GET", "/api/nowhere"),
      await s.request("GET", "/api/tasks", { token: null }),
      await s.request("GET", "/api/events/stream", { signal: stream.signal }),
    ];
    expect(answers.map((a) => [a.status, a.headers.get("x-content-type-options"), a.headers.get("referrer-policy")])).toEqual([
      [200, "nosniff", "no-referrer"],
      [404, "nosniff", "no-referrer"],
      [404, "nosniff", "no-referrer"],
      [401, "nosniff", "no-referrer"],
      [200, "nosniff", "no-referrer"],
    ]);
    stream.abort();
    await answers[4]!.body?.cancel().catch(() => undefined);
  });

  test("bad JSON, unknown fields, bad ids and bad values are 400 INVALID_INPUT naming the problem, board unchanged", async () => {
    const s = await testServer();
    await s.board.add({ title: "x" });
    const before = await boardState(s);
    const cases: [string, string, { body?: unknown; rawBody?: string; headers?: Record<string, string> }, string][] = [
      ["POST", "/api/tasks", { rawBody: "{not json", headers: { "content-type": "application/json" } }, "the body is not valid JSON"],
      ["POST", "/api/tasks", { body: { title: "t", priorty: "high" } }, "unknown field priorty"],
      ["POST", "/api/tasks", { body: { title: "t", priority: "urgent" } }, "priority must be one of"],
      ["POST", "/api/tasks", { body: { title: "" } }, "a task needs a non-empty title"],
      ["POST", "/api/tasks", { body: { title: "t", id: "../etc" } }, "a task id is 1-64 characters"],
      ["GET", "/api/tasks/..%2Fetc", {}, "invalid task id"],
      ["GET", "/api/tasks?status=open", {}, "status must be one of"],
      ["GET", "/api/tasks?limit=0", {}, "invalid limit 0"],
      ["GET", "/api/tasks?cursor=garbage", {}, "not a cursor of the tasks list"],
      ["GET", "/api/events?cursor=garbage", {}, "not a cursor of the events list"],
      ["GET", "/api/tasks?sort=id", {}, "unknown query parameter sort"],
      ["PATCH", "/api/tasks/T-1", { body: { status: "completed" }, headers: { "if-match": "*" } }, "unknown field status"],
      ["POST", "/api/claims", { body: { agent: "bad agent!" } }, "an agent id is 1-128 characters"],
      ["POST", "/api/claims", { body: { agent: "A", lease_seconds: -1 } }, "a lease must be longer than 0 seconds"],
      ["POST", "/api/tasks/T-1/complete", { body: { token: "7" } }, "expected a number"],
      ["POST", "/api/reservations", { body: { prefix: "9x" } }, "a prefix is 1-32 letters"],
      ["GET", "/api/events?type=EXPLODED", {}, "event type must be one of"],
    ];
    for (const [method, path, options, message] of cases) {
      const answer = await s.json(method, path, 400, options);
      expect(answer.error.code, path).toBe("INVALID_INPUT");
      expect(answer.error.message, path).toContain(message);
    }
    expect(await boardState(s)).toEqual(before);
  });
});

describe("the token file", () => {
  test("NAME ROLE TOKEN lines, comments and blanks; a bad line is refused naming file and line", () => {
    const entries = parseTokenFile("# who  role  token\n\nlead write 0123456789abcdefXYZ\nci   read  ZYX0123456789abcdef\n", "tokens.txt");
    expect(entries).toEqual([
      { name: "lead", role: "write", token: "0123456789abcdefXYZ" },
      { name: "ci", role: "read", token: "ZYX0123456789abcdef" },
    ]);
    expect(new Credentials(entries).byToken("ZYX0123456789abcdef")).toEqual({ name: "ci", role: "read" });
    expect(() => parseTokenFile("lead admin 0123456789abcdefXYZ", "t")).toThrow('t:1: the role is "read" or "write", not "admin"');
    expect(() => parseTokenFile("\nlead write short", "t")).toThrow("t:2: a token is 16-512 characters");
    expect(() => parseTokenFile("lead write", "t")).toThrow('t:1: expected "NAME ROLE TOKEN" (three words), got 2');
    expect(() => parseTokenFile("a write 0123456789abcdefXYZ\na read 0123456789abcdefXYZ2", "t")).toThrow("t:2: the name a is used twice");
    expect(() => new Credentials([...entries, { name: "x", role: "read", token: "ZYX0123456789abcdef" }])).toThrow("two tokens are the same");
  });
});

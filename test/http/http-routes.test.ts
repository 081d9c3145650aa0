/**
 * Every route of the HTTP face through `app.request()` (no socket): the success shapes (the
 * CLI's --json wire shape), each error code's status and body, keyset pages with no duplicate
 * and no gap, and version-checked edits that change nothing when stale.
 */
import { describe, expect, test } from "vitest";
import { BatonError, ErrorCode } from "../../src/index.js";
import { Board } from "../../src/board.js";
import { STATUS_OF } from "../../src/http/errors.js";
import { READ_TOKEN, testServer } from "./http-harness.js";
import type { Store } from "../../src/store/store.js";
import type { TestServer } from "./http-harness.js";

const TASK_KEYS = [
  "id", "title", "description", "metadata", "result", "status", "priority", "needs", "depends_on",
  "assigned_to", "lease_token", "lease_expires_at", "attempts", "max_attempts", "next_attempt_at",
  "last_error", "created_at", "updated_at", "created_by", "version",
];

async function boardState(s: TestServer): Promise<unknown> {
  return { tasks: await s.board.list(), events: await s.board.audit(), counters: await s.board.counters() };
}

describe("success shapes", () => {
  test("POST /api/tasks creates a task in the wire shape, 201, ETag = version, created_by = the token's name", async () => {
    const s = await testServer();
    const response = await s.request("POST", "/api/tasks", {
      body: { title: "Write the parser", priority: "high", needs: ["technical"], metadata: { ticket: 7 }, max_attempts: 5 },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("etag")).toBe('"1"');
    const task: any = await response.json();
    expect(Object.keys(task)).toEqual(TASK_KEYS);
    expect(task).toMatchObject({ id: "T-1", status: "pending", priority: "high", needs: ["technical"], created_by: "lead", version: 1, max_attempts: 5 });
    const many = await s.json("POST", "/api/tasks", 201, { body: [{ title: "a" }, { title: "b", depends_on: ["T-2"] }] });
    expect(many.items.map((t: { id: string }) => t.id)).toEqual(["T-2", "T-3"]);
    expect(many.next_cursor).toBeNull();
  });

  test("GET /api/tasks/:id answers the task with its ETag; GET /api/tasks filters by status, agent, q and needs", async () => {
    const s = await testServer();
    await s.board.addMany([
      { title: "parser", needs: ["technical"] },
      { title: "copy", needs: ["content"], assignedTo: "writer" },
      { title: "docs for the parser", needs: ["content", "technical"] },
    ]);
    await s.board.cancel("T-3");
    const response = await s.request("GET", "/api/tasks/T-2");
    expect(response.headers.get("etag")).toBe('"1"');
    expect(((await response.json()) as any).assigned_to).toBe("writer");
    const ids = async (query: string): Promise<string[]> =>
      (await s.json("GET", `/api/tasks${query}`, 200)).items.map((t: { id: string }) => t.id);
    expect(await ids("")).toEqual(["T-1", "T-2", "T-3"]);
    expect(await ids("?status=pending")).toEqual(["T-1", "T-2"]);
    expect(await ids("?status=cancelled,completed")).toEqual(["T-3"]);
    expect(await ids("?agent=writer")).toEqual(["T-2"]);
    expect(await ids("?q=PARSER")).toEqual(["T-1", "T-3"]);
    expect(await ids("?needs=technical")).toEqual(["T-1", "T-3"]);
    expect(await ids("?needs=technical,content")).toEqual(["T-3"]);
  });

  test("claim → heartbeat → complete over HTTP, with the lease token like any face", async () => {
    const s = await testServer();
    await s.board.add({ title: "work" });
    const claim = await s.json("POST", "/api/claims", 200, { body: { agent: "http-agent", lease_seconds: 60 } });
    expect(Object.keys(claim)).toEqual(["task", "lease_token"]);
    expect(claim.task).toMatchObject({ id: "T-1", status: "in_progress", assigned_to: "http-agent", lease_token: claim.lease_token });
    const beat = await s.json("POST", "/api/tasks/T-1/heartbeat", 200, { body: { token: claim.lease_token, note: "half way" } });
    // The checkpoint note is baton's: on the HEARTBEAT event, never in the user's metadata.
    expect(beat.metadata).toEqual({});
    const done = await s.json("POST", "/api/tasks/T-1/complete", 200, { body: { token: claim.lease_token, result: "shipped" } });
    expect([done.status, done.result, done.version]).toEqual(["completed", "shipped", 4]);
    const events = await s.json("GET", "/api/events?task=T-1", 200);
    expect(events.items.map((e: { type: string }) => e.type)).toEqual(["CREATED", "CLAIMED", "HEARTBEAT", "COMPLETED"]);
    expect(Object.keys(events.items[0])).toEqual(["seq", "at", "type", "task_id", "agent_id", "from", "to", "details", "data"]);
    expect(events.items[2].details).toBe("checkpoint: half way");
  });

  test("fail schedules a retry; release by the holder gives it back; a batch claim takes all or none", async () => {
    const s = await testServer();
    await s.board.addMany([{ title: "a" }, { title: "b" }, { title: "c" }]);
    const first = await s.json("POST", "/api/claims", 200, { body: { agent: "A", ids: ["T-1"] } });
    const failed = await s.json("POST", "/api/tasks/T-1/fail", 200, { body: { agent: "A", error: "flaky network" } });
    expect([failed.status, failed.attempts, failed.last_error]).toEqual(["failed", 1, "flaky network"]);
    expect(first.task.id).toBe("T-1");
    const batch = await s.json("POST", "/api/claims", 200, { body: { agent: "B", ids: ["T-2", "T-3"] } });
    expect(batch.claims.map((c: { task: { id: string } }) => c.task.id)).toEqual(["T-2", "T-3"]);
    const released = await s.json("POST", "/api/tasks/T-2/release", 200, { body: { token: batch.claims[0].lease_token, reason: "later" } });
    expect([released.status, released.assigned_to]).toEqual(["pending", null]);
  });

  test("person actions: PATCH, cancel, revive, assign and release are version-checked and audited under the token's name", async () => {
    const s = await testServer();
    await s.board.add({ title: "draft" });
    const ifMatch = (v: number) => ({ "if-match": `"${v}"` });
    const patched = await s.json("PATCH", "/api/tasks/T-1", 200, { body: { priority: "critical", depends_on: [] }, headers: ifMatch(1) });
    expect([patched.priority, patched.version]).toEqual(["critical", 2]);
    const assigned = await s.json("POST", "/api/tasks/T-1/assign", 200, { body: { agent: "A" }, headers: ifMatch(2) });
    expect(assigned.assigned_to).toBe("A");
    const { task } = await s.board.claim({ agent: "A" });
    const taken = await s.json("POST", "/api/tasks/T-1/release", 200, { body: { reason: "stuck" }, headers: ifMatch(task.version) });
    expect([taken.status, taken.assigned_to]).toEqual(["pending", null]);
    const cancelled = await s.json("POST", "/api/tasks/T-1/cancel", 200, { body: { reason: "dup" }, headers: { "if-match": "*" } });
    expect(cancelled.status).toBe("cancelled");
    const revived = await s.json("POST", "/api/tasks/T-1/revive", 200, { headers: { "if-match": `W/"${cancelled.version}"` } });
    expect(revived.status).toBe("pending");
    const audit = await s.board.audit({ taskId: "T-1" });
    expect(audit.map((e) => [e.type, e.agentId])).toEqual([
      ["CREATED", null],
      ["UPDATED", "lead"],
      ["ASSIGNED", "lead"],
      ["CLAIMED", "A"],
      ["RELEASED", "lead"],
      ["CANCELLED", "lead"],
      ["REVIVED", "lead"],
    ]);
  });

  test("reservations, agents, stats, health and session", async () => {
    const s = await testServer();
    const reserved = await s.json("POST", "/api/reservations", 201, { body: { prefix: "SEC", count: 2 } });
    expect(Object.keys(reserved)).toEqual(["ids", "reservedAt"]);
    expect(reserved.ids).toEqual(["SEC-1", "SEC-2"]);
    await s.board.registerAgent("A", ["technical"]);
    const agents = await s.json("GET", "/api/agents", 200);
    // The agent's own fields, then its workload and record (as `baton agents --json`).
    expect(agents.items).toEqual([
      { id: "A", capabilities: ["technical"], last_seen_at: expect.any(String), state: "alive", holding: [], reserved: 0, completed: 0, failed: 0 },
    ]);
    expect(agents.next_cursor).toBeNull();
    await s.board.add({ title: "x" });
    expect((await s.json("GET", "/api/stats", 200)).counts).toEqual({ pending: 1, in_progress: 0, completed: 0, failed: 0, dead: 0, cancelled: 0 });
    expect(await s.json("GET", "/api/health", 200)).toEqual({ status: "ok", store: "sqlite", last_seq: 2 });
    expect(await s.json("GET", "/api/session", 200, { token: READ_TOKEN })).toEqual({ name: "viewer", role: "read" });
  });
});

describe("pagination", () => {
  test("250 tasks paged 7 at a time: every task exactly once, in order, then next_cursor null", async () => {
    const s = await testServer();
    await s.board.addMany(Array.from({ length: 250 }, (_, i) => ({ title: `task ${i + 1}`, needs: i % 3 === 0 ? ["technical"] : [] })));
    const walk = async (query: string): Promise<string[]> => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: { id: string }[]; next_cursor: string | null } = await s.json(
          "GET",
          `/api/tasks?limit=7${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
          200,
        );
        expect(page.items.length).toBeLessThanOrEqual(7);
        seen.push(...page.items.map((t) => t.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor !== null);
      expect(pages).toBe(Math.max(1, Math.ceil(seen.length / 7)));
      return seen;
    };
    const all = await walk("");
    expect(all).toEqual(Array.from({ length: 250 }, (_, i) => `T-${i + 1}`));
    const technical = await walk("&needs=technical");
    expect(technical).toEqual(Array.from({ length: 84 }, (_, i) => `T-${i * 3 + 1}`));
  });

  test("events page by seq: after=SEQ, then the cursors, no duplicate and no gap", async () => {
    const s = await testServer();
    await s.board.addMany(Array.from({ length: 60 }, (_, i) => ({ title: `t${i}` })));
    const seqs: number[] = [];
    let query = "after=10";
    for (;;) {
      const page: { items: { seq: number }[]; next_cursor: string | null } = await s.json("GET", `/api/events?limit=25&${query}`, 200);
      seqs.push(...page.items.map((e) => e.seq));
      if (page.next_cursor === null) break;
      query = `cursor=${page.next_cursor}`;
    }
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));
  });
});

describe("version-checked edits", () => {
  test("a stale If-Match is 412 with the current task, and nothing changes", async () => {
    const s = await testServer();
    await s.board.add({ title: "draft" });
    await s.board.claim({ agent: "A" });
    const before = await boardState(s);
    for (const [method, path, body] of [
      ["PATCH", "/api/tasks/T-1", { title: "overwrite" }],
      ["POST", "/api/tasks/T-1/cancel", {}],
      ["POST", "/api/tasks/T-1/assign", { agent: "B" }],
      ["POST", "/api/tasks/T-1/release", {}],
      ["POST", "/api/tasks/T-1/revive", {}],
    ] as const) {
      const response = await s.request(method, path, { body, headers: { "if-match": '"1"' } });
      expect(response.status, path).toBe(412);
      expect(response.headers.get("etag")).toBe('"2"');
      const answer: any = await response.json();
      expect(answer.error.code).toBe("VERSION_MISMATCH");
      expect(answer.error.message).toContain("task T-1 changed since version 1: it is at version 2 now");
      expect(answer.current).toMatchObject({ id: "T-1", status: "in_progress", assigned_to: "A", version: 2 });
    }
    expect(await boardState(s)).toEqual(before);
  });

  test("an edit without If-Match is 428 and a malformed one 400; nothing changes", async () => {
    const s = await testServer();
    await s.board.add({ title: "draft" });
    const before = await boardState(s);
    const missing = await s.json("PATCH", "/api/tasks/T-1", 428, { body: { title: "x" } });
    expect(missing.error.code).toBe("PRECONDITION_REQUIRED");
    const malformed = await s.json("PATCH", "/api/tasks/T-1", 400, { body: { title: "x" }, headers: { "if-match": '"1", "2"' } });
    expect(malformed.error.code).toBe("INVALID_INPUT");
    expect(await boardState(s)).toEqual(before);
  });
});

describe("error codes", () => {
  test("each board refusal has its status and the body {error:{code,message}}", async () => {
    const s = await testServer();
    await s.board.addMany([{ title: "a" }, { title: "b", dependsOn: ["T-1"] }]);
    const expectError = async (method: string, path: string, body: unknown, status: number, code: string) => {
      const answer = await s.json(method, path, status, { body });
      expect(Object.keys(answer)).toEqual(["error"]);
      expect(Object.keys(answer.error)).toEqual(["code", "message"]);
      expect(answer.error.code).toBe(code);
      return answer.error.message as string;
    };
    expect(await expectError("GET", "/api/tasks/T-9", undefined, 404, "NOT_FOUND")).toContain("task T-9 not found");
    expect(await expectError("POST", "/api/claims", { agent: "A", ids: ["T-2"] }, 409, "NOT_READY")).toContain("T-1");
    const claim = await s.board.claim({ agent: "A", ids: ["T-1"] });
    await expectError("POST", "/api/claims", { agent: "B", ids: ["T-1"] }, 409, "CONFLICT");
    await expectError("POST", "/api/claims", { agent: "B" }, 409, "NOTHING_READY");
    await expectError("POST", "/api/tasks/T-1/complete", { token: claim.leaseToken + 100 }, 409, "LEASE_LOST");
    await expectError("POST", "/api/tasks/T-1/fail", { token: claim.leaseToken }, 400, "INVALID_INPUT");
    // zod's refusals name the field, the limit and what was given, never a bare "Invalid input".
    const tooLong = await expectError("POST", "/api/tasks", { title: "x".repeat(612), priority: "urgent", max_attempts: 5000 }, 400, "INVALID_INPUT");
    expect(tooLong).toContain("title: a title is at most 500 characters; put the rest in --description (got 612)");
    expect(tooLong).toContain("priority: priority must be one of: critical, high, medium, low (got 'urgent')");
    expect(tooLong).toContain("max_attempts: at most 1000 (got 5000)");
    expect(tooLong).not.toContain("Invalid input");
    await expectError("GET", "/api/nothing-here", undefined, 404, "ROUTE_NOT_FOUND");
    const wrongMethod = await s.request("DELETE", "/api/tasks/T-1");
    expect([wrongMethod.status, wrongMethod.headers.get("allow"), ((await wrongMethod.json()) as any).error.code]).toEqual([405, "GET, PATCH", "METHOD_NOT_ALLOWED"]);
  });

  test("every error code of the store maps to its status from the table, busy ones with Retry-After, never a stack", async () => {
    for (const code of Object.values(ErrorCode)) {
      const s = await testServer({ board: failingBoard(() => new BatonError(code, `the store said ${code}`)) });
      const response = await s.request("GET", "/api/stats");
      expect(response.status, code).toBe(STATUS_OF[code]);
      expect(await response.json()).toEqual({ error: { code, message: `the store said ${code}` } });
      expect(response.headers.get("retry-after")).toBe(code === "LOCK_TIMEOUT" ? "1" : code === "STORE_UNAVAILABLE" ? "5" : null);
    }
    const logged: string[] = [];
    const s = await testServer({ board: failingBoard(() => new TypeError("secret internals at /srv/x.js:1")), log: (m) => logged.push(m) });
    const response = await s.request("GET", "/api/stats");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: "unexpected failure on the server; it is logged there (please report it)" } });
    expect(text).not.toContain("secret");
    expect(logged.join("\n")).toContain("secret internals");
  });
});

/** A board whose every read fails with `error` (the store is down, corrupt, busy…). */
function failingBoard(error: () => Error): Board {
  const store = {
    kind: "sqlite",
    location: "nowhere",
    read: async () => {
      throw error();
    },
    transaction: async () => {
      throw error();
    },
    close: async () => {},
  } as unknown as Store;
  return new Board(store);
}


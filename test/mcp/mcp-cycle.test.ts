/**
 * `baton mcp` spoken to by a real MCP client: the tools it lists, the work loop, the leases the
 * session keeps and heartbeats, and what happens to them when the client goes away.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { connect, freshBoardUrl, snapshot, until } from "./mcp-client.js";
import type { McpSession } from "./mcp-client.js";

const TOOL_NAMES = [
  "next_task",
  "claim_task",
  "claim_tasks",
  "heartbeat_task",
  "complete_task",
  "fail_task",
  "release_task",
  "list_tasks",
  "show_task",
  "create_task",
  "create_tasks",
  "add_dependency",
  "remove_dependency",
  "reserve_ids",
  "audit_events",
  "update_task",
  "cancel_task",
  "assign_task",
  "revive_task",
  "note_task",
  "heal_board",
  "board_health",
];

const open: McpSession[] = [];
async function start(url: string, agent?: string): Promise<McpSession> {
  const session = await connect(url, agent);
  open.push(session);
  return session;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe("baton mcp over stdio", () => {
  it("lists exactly the 22 baton tools, each with a described, closed JSON Schema input", async () => {
    const mcp = await start(await freshBoardUrl(), "agent-a");
    // The server names itself baton, at the package's version (read from package.json).
    const manifest = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(mcp.client.getServerVersion()).toEqual({ name: "baton", version: manifest.version });
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.inputSchema.additionalProperties).toBe(false);
      expect(tool.description?.length).toBeGreaterThan(60);
    }
    const claim = tools.find((t) => t.name === "claim_task");
    expect(Object.keys(claim?.inputSchema.properties ?? {}).sort()).toEqual(
      ["agent", "capabilities", "detail", "id", "lease_seconds"],
    );
    expect(claim?.annotations?.readOnlyHint).toBe(false);
    expect(tools.find((t) => t.name === "list_tasks")?.annotations?.readOnlyHint).toBe(true);
    expect(mcp.client.getInstructions()).toContain("claim_task");
  });

  it("runs claim → heartbeat → complete with only the task id; the board shows it completed with 4 events", async () => {
    const url = await freshBoardUrl();
    const mcp = await start(url, "agent-a");
    const created = await mcp.call("create_task", { title: "write the parser", description: "in src/parser.ts" });
    expect(created).toMatchObject({ isError: false, body: { task: { id: "T-1", status: "pending" } } });

    const claimed = await mcp.call("claim_task", {});
    expect(claimed.isError).toBe(false);
    expect(claimed.body.task).toMatchObject({ id: "T-1", status: "in_progress", assigned_to: "agent-a", description: "in src/parser.ts" });
    // The fencing token is the seq of the claim's own event: after T-1's CREATED (1), 2.
    expect(claimed.body.lease_token).toBe(2);

    const beat = await mcp.call("heartbeat_task", { id: "T-1", note: "parser half done" });
    expect(beat).toMatchObject({ isError: false, body: { id: "T-1", lease_token: 2 } });

    const done = await mcp.call("complete_task", { id: "T-1", result: "parser in src/parser.ts" });
    expect(done).toMatchObject({ isError: false, body: { task: { id: "T-1", status: "completed" } } });

    const board = await openBoard(url);
    try {
      const task = await board.get("T-1");
      expect(task).toMatchObject({ status: "completed", result: "parser in src/parser.ts", assignedTo: "agent-a", attempts: 0 });
      const events = await board.audit({ taskId: "T-1" });
      expect(events.map((e) => [e.type, e.agentId])).toEqual([
        ["CREATED", "agent-a"],
        ["CLAIMED", "agent-a"],
        ["HEARTBEAT", "agent-a"],
        ["COMPLETED", "agent-a"],
      ]);
    } finally {
      await board.close();
    }
    const trail = await mcp.call("audit_events", { task_id: "T-1" });
    expect(trail.body.events.map((e: { type: string }) => e.type)).toEqual(["CREATED", "CLAIMED", "HEARTBEAT", "COMPLETED"]);
    expect(trail.body.earlier).toBe(false);
  });

  it("heartbeats the session's leases by itself: a 3 s lease is still held after its first expiry and completes", async () => {
    const url = await freshBoardUrl();
    const mcp = await start(url, "agent-a");
    await mcp.call("create_task", { title: "long job" });
    const claimed = await mcp.call("claim_task", { lease_seconds: 3 });
    const firstExpiry = Date.parse(claimed.body.task.lease_expires_at);

    // The session beats every third of the lease (1 s); wait until the first lease has run out
    // and two automatic heartbeats have extended it.
    const board = await openBoard(url);
    try {
      const beats = await until(async () => {
        const events = await board.audit({ taskId: "T-1", type: "HEARTBEAT" });
        return events.length >= 2 && Date.now() > firstExpiry + 200 ? events : undefined;
      }, "two automatic heartbeats past the first expiry");
      expect(beats.every((e) => e.agentId === "agent-a")).toBe(true);
      expect(Date.parse((await board.get("T-1")).leaseExpiresAt as string)).toBeGreaterThan(firstExpiry);
    } finally {
      await board.close();
    }
    const done = await mcp.call("complete_task", { id: "T-1", result: "ok" });
    expect(done).toMatchObject({ isError: false, body: { task: { status: "completed" } } });
  });

  it("leaves held tasks to expire when the client disconnects: still held, then recovered by heal as a TIMEOUT", async () => {
    const url = await freshBoardUrl();
    const mcp = await start(url, "agent-a");
    await mcp.call("create_task", { title: "abandoned" });
    const claimed = await mcp.call("claim_task", { lease_seconds: 60 });
    await mcp.close();

    const after = await snapshot(url);
    expect(after.tasks[0]).toMatchObject({ id: "T-1", status: "in_progress", assignedTo: "agent-a", leaseToken: 2 });
    expect(after.lastEvent?.type).toBe("CLAIMED");

    const later = Date.parse(claimed.body.task.lease_expires_at) + 1;
    const board = await openBoard(url, { clock: () => later });
    try {
      expect((await board.heal()).timedOut).toEqual(["T-1"]);
      expect(await board.get("T-1")).toMatchObject({ status: "pending", assignedTo: null, attempts: 1 });
    } finally {
      await board.close();
    }
  });

  it("lets a new session of the same agent take over its lease by heartbeat, then complete it", async () => {
    const url = await freshBoardUrl();
    const first = await start(url, "agent-a");
    await first.call("create_task", { title: "survives a restart" });
    await first.call("claim_task", {});
    await first.close();

    const second = await start(url, "agent-a");
    const beat = await second.call("heartbeat_task", { id: "T-1" });
    expect(beat).toMatchObject({ isError: false, body: { id: "T-1", lease_token: 2 } });
    const done = await second.call("complete_task", { id: "T-1" });
    expect(done).toMatchObject({ isError: false, body: { task: { status: "completed" } } });

    const other = await start(url, "agent-b");
    await other.call("create_task", { title: "held by b" });
    await other.call("claim_task", { id: "T-2" });
    const stranger = await second.call("complete_task", { id: "T-2" });
    expect(stranger).toMatchObject({ isError: true, body: { error: { code: "CONFLICT", message: "T-2 is held by agent-b, not by agent-a" } } });
  });

  it("fail counts an attempt and schedules a retry; release hands the task back without one", async () => {
    const url = await freshBoardUrl();
    const mcp = await start(url, "agent-a");
    await mcp.call("create_tasks", { tasks: [{ title: "flaky" }, { title: "not now" }] });
    await mcp.call("claim_task", { id: "T-1" });
    const failed = await mcp.call("fail_task", { id: "T-1", error: "network down" });
    expect(failed.body.task).toMatchObject({ id: "T-1", status: "failed", last_error: "network down" });
    expect(typeof failed.body.task.next_attempt_at).toBe("string");

    await mcp.call("claim_task", { id: "T-2" });
    const released = await mcp.call("release_task", { id: "T-2", reason: "needs a person" });
    expect(released.body.task).toMatchObject({ id: "T-2", status: "pending", assigned_to: null });

    const again = await mcp.call("complete_task", { id: "T-2" });
    expect(again).toMatchObject({
      isError: true,
      body: { error: { code: "LEASE_LOST", message: "lease lost: T-2 is pending again (the lease expired or was released)" } },
    });
    const board = await openBoard(url);
    try {
      expect((await board.get("T-1")).attempts).toBe(1);
      expect((await board.get("T-2")).attempts).toBe(0);
    } finally {
      await board.close();
    }
  });

  it("answers next_task without claiming, and refuses a claim on a task waiting for a dependency with NOT_READY", async () => {
    const url = await freshBoardUrl();
    const mcp = await start(url, "agent-a");
    await mcp.call("create_task", { title: "first" });
    await mcp.call("create_task", { title: "second" });
    expect((await mcp.call("add_dependency", { id: "T-2", depends_on: ["T-1"] })).body.task.depends_on).toEqual(["T-1"]);

    const peek = await mcp.call("next_task", {});
    expect(peek.body).toEqual({ task: { id: "T-1", title: "first", status: "pending", priority: "medium", assigned_to: null } });
    const blocked = await mcp.call("claim_task", { id: "T-2" });
    expect(blocked).toMatchObject({ isError: true, body: { error: { code: "NOT_READY", message: "T-2 is not ready: waiting for T-1 (pending)" } } });

    expect((await mcp.call("remove_dependency", { id: "T-2", depends_on: ["T-1"] })).body.task.depends_on).toBeUndefined();
    expect((await mcp.call("claim_task", { id: "T-2" })).body.task.status).toBe("in_progress");
    const reserved = await mcp.call("reserve_ids", { prefix: "SEC", count: 2 });
    expect(reserved.body.ids).toEqual(["SEC-1", "SEC-2"]);
    expect(typeof reserved.body.reservedAt).toBe("string");
  });
});

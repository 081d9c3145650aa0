/**
 * Bad tool input through MCP: every call below gets a tool error (isError) with INVALID_INPUT
 * and a message naming the argument, and the board is exactly as before (tasks and audit trail).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, freshBoardUrl, snapshot } from "./mcp-client.js";
import type { McpSession } from "./mcp-client.js";

let url: string;
let mcp: McpSession;
let anonymous: McpSession;

beforeAll(async () => {
  url = await freshBoardUrl();
  mcp = await connect(url, "agent-a");
  anonymous = await connect(url);
  // A board with something to damage: a pending task, a held task, a dependency.
  await mcp.call("create_tasks", { tasks: [{ title: "pending one" }, { title: "held one" }, { title: "waits", depends_on: ["T-1"] }] });
  await mcp.call("claim_task", { id: "T-2" });
});
afterAll(async () => {
  await Promise.all([mcp.close(), anonymous.close()]);
});

/** [tool, arguments, a fragment the message must contain] */
const BAD_CALLS: [string, Record<string, unknown>, string][] = [
  ["show_task", { id: "../x" }, "id: a task id is 1-64 characters"],
  ["show_task", { id: "" }, "id: a task id is 1-64 characters"],
  ["show_task", { id: "a/b" }, "id: a task id is 1-64 characters"],
  ["show_task", { id: "x".repeat(65) }, "id: a task id is 1-64 characters"],
  ["show_task", { id: 7 }, "id: "],
  ["show_task", {}, "id: "],
  ["create_task", {}, "title: "],
  ["create_task", { title: "   " }, "title: a task needs a non-empty title"],
  ["create_task", { title: 42 }, "title: "],
  ["create_task", { title: "ok", priority: "urgent" }, "priority: priority must be one of: critical, high, medium, low (got 'urgent')"],
  ["create_task", { title: "x".repeat(612) }, "title: a title is at most 500 characters; put the rest in --description (got 612)"],
  ["create_task", { title: "ok", max_attempts: 5000 }, "max_attempts: at most 1000 (got 5000)"],
  ["create_task", { title: "ok", depends_on: ["../etc/passwd"] }, "depends_on.0: a task id is 1-64 characters"],
  ["create_task", { title: "ok", id: "../escape" }, "id: a task id is 1-64 characters"],
  ["create_task", { title: "ok", bogus: 1 }, "bogus"],
  ["create_tasks", { tasks: [{ title: "good" }, { title: "" }] }, "tasks.1.title: a task needs a non-empty title"],
  ["create_tasks", { tasks: [] }, "tasks: give at least one task"],
  ["claim_task", { id: "../x" }, "id: a task id is 1-64 characters"],
  ["claim_task", { lease_seconds: -5 }, "lease_seconds: a lease must be longer than 0 seconds"],
  ["claim_task", { lease_seconds: "ten" }, "lease_seconds: "],
  ["claim_task", { agent: "bad agent!" }, "agent: an agent id is 1-128 characters"],
  ["claim_tasks", { ids: ["T-1", "../x"] }, "ids.1: a task id is 1-64 characters"],
  ["claim_tasks", { ids: "T-1" }, "ids: "],
  ["heartbeat_task", { id: "T-2", lease_seconds: 0 }, "lease_seconds: a lease must be longer than 0 seconds"],
  ["complete_task", { id: "T-2", lease_token: 1.5 }, "lease_token: "],
  ["complete_task", { id: "T-2", lease_token: -1 }, "lease_token: a lease token must be at least 1"],
  ["fail_task", { id: "T-2" }, "error: "],
  ["fail_task", { id: "T-2", error: "  " }, "error: say what went wrong"],
  ["release_task", { id: ["T-2"] }, "id: "],
  ["list_tasks", { status: "done" }, "status: "],
  ["list_tasks", { limit: 0 }, "limit: limit must be at least 1"],
  ["list_tasks", { limit: 1000 }, "limit: a page holds at most 100 items"],
  ["list_tasks", { cursor: "abc" }, "not a cursor of the tasks list: pass the next_cursor of the previous page unchanged"],
  ["list_tasks", { ready: true, status: "pending" }, "ready cannot be combined with status"],
  ["list_tasks", { detail: "everything" }, "detail: "],
  ["add_dependency", { id: "T-1", depends_on: ["T-3"] }, "dependency cycle"],
  ["add_dependency", { id: "T-1", depends_on: [] }, "depends_on: name at least one dependency"],
  ["reserve_ids", { prefix: "../SEC" }, "prefix: a prefix is 1-32 letters"],
  ["reserve_ids", { prefix: "SEC", count: 0 }, "count: reserve at least 1 id"],
  ["audit_events", { task_id: "../x" }, "task_id: a task id is 1-64 characters"],
  ["audit_events", { type: "EXPLODED" }, "type: event type must be one of"],
];

describe("bad MCP tool input", () => {
  it(`each of the ${BAD_CALLS.length} bad calls is an INVALID_INPUT tool error naming the problem, and the board is untouched`, async () => {
    const before = await snapshot(url);
    expect(before.tasks).toHaveLength(3);
    expect(before.events).toBe(4); // 3 CREATED, 1 CLAIMED
    const unexpected: string[] = [];
    for (const [tool, args, fragment] of BAD_CALLS) {
      const outcome = await mcp.call(tool, args);
      const error = outcome.body.error as { code: string; message: string; next: string } | undefined;
      const fine =
        outcome.isError &&
        error?.code === "INVALID_INPUT" &&
        error.message.includes(fragment) &&
        error.next === "fix the named argument and call again; nothing was changed";
      if (!fine) unexpected.push(`${tool} ${JSON.stringify(args)} → ${JSON.stringify(outcome.body)}`);
    }
    expect(unexpected).toEqual([]);
    expect(await snapshot(url)).toEqual(before);
  });

  it("refusals for well-formed calls carry the CLI's codes and messages, and change nothing", async () => {
    const before = await snapshot(url);
    const expectations: [string, Record<string, unknown>, string, string][] = [
      [
        "create_tasks",
        { tasks: [{ title: "good" }, { title: "dup", id: "T-1" }] },
        "CONFLICT",
        "task T-1 already exists; choose another id or omit --id",
      ],
      ["show_task", { id: "T-404" }, "NOT_FOUND", "task T-404 not found (see `baton list` for the tasks on this board)"],
      ["create_task", { title: "ok", depends_on: ["T-99"] }, "NOT_FOUND", "T-4 cannot depend on T-99: no such task"],
      ["claim_task", { id: "T-2" }, "CONFLICT", "T-2 is already held by you (agent-a, token 4); heartbeat or finish it"],
      ["claim_task", { id: "T-3" }, "NOT_READY", "T-3 is not ready: waiting for T-1 (pending)"],
      ["claim_tasks", { ids: ["T-1", "T-3"] }, "NOT_READY", "T-3 is not ready: waiting for T-1 (pending)"],
      ["complete_task", { id: "T-1" }, "CONFLICT", "T-1 is not in progress (it is pending); claim it first"],
      [
        "complete_task",
        { id: "T-2", lease_token: 7 },
        "LEASE_LOST",
        "lease lost: T-2 is now held by agent-a (token 4); your token 7 is stale",
      ],
    ];
    for (const [tool, args, code, message] of expectations) {
      const outcome = await mcp.call(tool, args);
      expect({ tool, isError: outcome.isError, code: outcome.body.error?.code, message: outcome.body.error?.message }).toEqual({
        tool,
        isError: true,
        code,
        message,
      });
    }
    expect(await snapshot(url)).toEqual(before);
  });

  it("a session started without --agent refuses to claim until told who the agent is", async () => {
    const before = await snapshot(url);
    const refused = await anonymous.call("claim_task", {});
    expect(refused.isError).toBe(true);
    expect(refused.body.error).toMatchObject({
      code: "INVALID_INPUT",
      message: "no agent identity: pass `agent` to this tool, or start the server with `baton mcp --agent ID` (or BATON_AGENT=ID)",
    });
    expect(await snapshot(url)).toEqual(before);
    const claimed = await anonymous.call("claim_task", { agent: "agent-z" });
    expect(claimed.body.task).toMatchObject({ id: "T-1", assigned_to: "agent-z" });
    await anonymous.call("release_task", { id: "T-1" });
  });

  it("an unknown tool is a protocol error, not a tool result", async () => {
    const before = await snapshot(url);
    await expect(mcp.client.callTool({ name: "drop_board", arguments: {} })).rejects.toThrow(
      /unknown tool drop_board; tools\/list names baton's tools/,
    );
    expect(await snapshot(url)).toEqual(before);
  });
});

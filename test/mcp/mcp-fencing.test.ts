/**
 * Identity and fencing through MCP: who the session acts as, and what happens to a session
 * whose lease was recovered and taken over by another agent.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { CLI, connect, freshBoardUrl, until } from "./mcp-client.js";
import type { McpSession } from "./mcp-client.js";

const open: McpSession[] = [];
async function start(url: string, agent?: string, env?: Record<string, string>): Promise<McpSession> {
  const session = await connect(url, agent, env);
  open.push(session);
  return session;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe("MCP agent identity", () => {
  it("acts as BATON_AGENT when no --agent is given, and as the tool's agent argument when one is", async () => {
    const url = await freshBoardUrl();
    const mcp = await start(url, undefined, { BATON_AGENT: "env-agent" });
    await mcp.call("create_tasks", { tasks: [{ title: "one" }, { title: "two" }] });
    expect((await mcp.call("claim_task", { id: "T-1" })).body.task.assigned_to).toBe("env-agent");
    expect((await mcp.call("claim_task", { id: "T-2", agent: "named-agent" })).body.task.assigned_to).toBe("named-agent");
    const board = await openBoard(url);
    try {
      expect((await board.audit({ type: "CREATED" })).map((e) => e.agentId)).toEqual(["env-agent", "env-agent"]);
    } finally {
      await board.close();
    }
  });

  it("refuses to start on a missing board (exit 3, creating nothing) or with a malformed --agent (exit 2), naming the fix", async () => {
    const url = await freshBoardUrl();
    const typo = url.replace("board.db", "typo.db");
    const run = spawnSync(process.execPath, [CLI, "mcp", "--store", typo, "--agent", "agent-a"], { input: "", encoding: "utf8" });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain(`no board at ${typo.slice("sqlite:".length)}; run \`baton init\` to create one`);
    expect(run.stdout).toBe("");
    expect(existsSync(typo.slice("sqlite:".length))).toBe(false);

    const badAgent = spawnSync(process.execPath, [CLI, "mcp", "--store", url, "--agent", "bad agent"], { input: "", encoding: "utf8" });
    expect(badAgent.status).toBe(2);
    expect(badAgent.stderr).toContain(`invalid agent id "bad agent": use 1-128 letters, digits, '.', '_', '@', ':' or '-'`);
  });
});

describe("a stale MCP session is fenced off", () => {
  it("after its lease is recovered and re-claimed by agent-b, agent-a's session stops heartbeating and its complete gets LEASE_LOST", async () => {
    const url = await freshBoardUrl();
    const a = await start(url, "agent-a");
    const b = await start(url, "agent-b");
    await a.call("create_task", { title: "contested" });
    const first = await a.call("claim_task", { lease_seconds: 3 });
    expect(first.body.lease_token).toBe(2); // the seq of its CLAIMED event, after CREATED

    // agent-a stalls past its lease (a clock 10 minutes ahead): heal recovers the task.
    const future = await openBoard(url, { clock: () => Date.now() + 10 * 60_000 });
    try {
      expect((await future.heal()).timedOut).toEqual(["T-1"]);
    } finally {
      await future.close();
    }
    const second = await b.call("claim_task", {});
    expect(second.body).toMatchObject({ task: { id: "T-1", assigned_to: "agent-b", attempts: 1 } });
    expect(second.body.lease_token).toBeGreaterThan(first.body.lease_token); // fencing tokens only rise

    await until(async () => (a.stderr().includes("stopped heartbeating T-1: lease lost") ? true : undefined), "agent-a's session to stop beating");
    const stale = await a.call("complete_task", { id: "T-1", result: "late" });
    expect(stale.body.error).toMatchObject({
      code: "LEASE_LOST",
      message: `lease lost: T-1 is now held by agent-b (token ${second.body.lease_token}); your token 2 is stale`,
    });

    const board = await openBoard(url);
    try {
      expect(await board.get("T-1")).toMatchObject({ status: "in_progress", assignedTo: "agent-b", leaseToken: second.body.lease_token, result: null });
      expect((await board.audit({ taskId: "T-1", type: "COMPLETED" })).length).toBe(0);
    } finally {
      await board.close();
    }
    expect((await b.call("complete_task", { id: "T-1", result: "done by b" })).body.task.status).toBe("completed");
  });
});

/**
 * The lead's tools over a real MCP session: update, cancel, revive, assign (by name, auto,
 * lifted), note, heal, health — small results, and bad input refused with the board unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { connect, freshBoardUrl, snapshot } from "./mcp-client.js";
import type { McpSession } from "./mcp-client.js";

let url: string;
let lead: McpSession;

beforeAll(async () => {
  url = await freshBoardUrl();
  const board = await openBoard(url, { policy: { maxAttempts: 1 } });
  await board.addAgent("worker-1", ["technical"]);
  await board.addAgent("worker-2", ["content"]);
  await board.add({ title: "technical work", needs: ["technical"] });
  await board.add({ title: "to cancel" });
  const doomed = await board.add({ title: "doomed" });
  const claim = await board.claim({ agent: "worker-2", ids: [doomed.id] });
  await board.fail(doomed.id, { token: claim.leaseToken, error: "disk full" });
  await board.close();
  lead = await connect(url, "lead");
});
afterAll(async () => lead.close());

describe("lead tools", () => {
  it("board_health names the poison pill and its fix, with only the problems", async () => {
    const { isError, body, chars } = await lead.call("board_health");
    expect(isError).toBe(false);
    expect(body.healthy).toBe(false);
    expect(body.checks.map((c: { name: string }) => c.name)).toEqual(["poison pills"]);
    expect(body.checks[0].fix).toContain("baton revive T-3");
    expect(chars).toBeLessThan(400);
  });

  it("assign_task auto picks the alive agent with the needs; null lifts it; update, cancel, revive, note, heal", async () => {
    expect((await lead.call("assign_task", { id: "T-1", to: "auto" })).body.task).toMatchObject({ id: "T-1", assigned_to: "worker-1" });
    expect((await lead.call("assign_task", { id: "T-1", to: null })).body.task.assigned_to).toBeNull();
    expect((await lead.call("assign_task", { id: "T-1", to: "worker-2" })).body.task.assigned_to).toBe("worker-2");
    expect((await lead.call("update_task", { id: "T-1", priority: "critical", depends_on: [] })).body.task.priority).toBe("critical");
    expect((await lead.call("cancel_task", { id: "T-2", reason: "not needed" })).body.task.status).toBe("cancelled");
    expect((await lead.call("revive_task", { id: "T-3" })).body.task).toMatchObject({ status: "pending" });
    expect((await lead.call("note_task", { id: "T-1", text: "ping me when done" })).body).toMatchObject({ ok: true, task_id: "T-1" });
    expect((await lead.call("heal_board")).body).toEqual({ timed_out: [], poisoned: [], retried: [], dead_agents: [] });
    expect((await lead.call("board_health")).body).toEqual({ healthy: true, checks: [] });
    const board = await openBoard(url);
    try {
      const notes = await board.audit({ type: "NOTE" });
      expect(notes.map((e) => [e.taskId, e.agentId, e.details])).toEqual([["T-1", "lead", "ping me when done"]]);
      expect((await board.audit({ taskId: "T-2", type: "CANCELLED" }))[0]?.agentId).toBe("lead");
    } finally {
      await board.close();
    }
  });

  it.each([
    ["assign_task", { id: "T-404", to: "auto" }, "NOT_FOUND"],
    ["assign_task", { id: "T-1", to: "bad id!" }, "INVALID_INPUT"],
    ["update_task", { id: "T-1" }, "INVALID_INPUT"],
    ["update_task", { id: "T-1", priority: "urgent" }, "INVALID_INPUT"],
    ["cancel_task", { id: "T-404" }, "NOT_FOUND"],
    ["revive_task", { id: "T-1" }, "CONFLICT"],
    ["note_task", { id: "T-1", text: "  " }, "INVALID_INPUT"],
    ["note_task", { id: "T-404", text: "x" }, "NOT_FOUND"],
  ])("%s %j → %s, nothing changed", async (tool, args, code) => {
    const before = await snapshot(url);
    const { isError, body } = await lead.call(tool, args);
    expect(isError).toBe(true);
    expect(JSON.stringify(body)).toContain(code);
    expect(await snapshot(url)).toEqual(before);
  });
});

/** audit_events filters: several types, errors only, a time window (SPEC §9), through a real `baton mcp`. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, freshBoardUrl } from "./mcp-client.js";
import type { McpSession } from "./mcp-client.js";

let mcp: McpSession;
beforeAll(async () => {
  mcp = await connect(await freshBoardUrl(), "agent-a");
  await mcp.call("create_tasks", { tasks: [{ title: "one" }, { title: "two" }] });
  const claim = await mcp.call("claim_task", { id: "T-1" });
  await mcp.call("fail_task", { id: "T-1", lease_token: claim.body.lease_token, error: "broke" });
});
afterAll(async () => {
  await mcp.close();
});

const types = (body: Record<string, any>): string[] => (body.events as { type: string }[]).map((e) => e.type);

it("audit_events takes several types at once, or errors only, or a time window", async () => {
  expect(types((await mcp.call("audit_events", { types: ["FAILED", "CLAIMED"], after_seq: 0 })).body)).toEqual(["CLAIMED", "FAILED"]);
  expect(types((await mcp.call("audit_events", { type: "CREATED", types: ["FAILED"], after_seq: 0 })).body)).toEqual([
    "CREATED",
    "CREATED",
    "FAILED",
  ]);
  expect(types((await mcp.call("audit_events", { errors: true })).body)).toEqual(["FAILED"]);
  expect(types((await mcp.call("audit_events", { until: "2000-01-01" })).body)).toEqual([]);
  expect(types((await mcp.call("audit_events", { since: "2000-01-01", types: ["CREATED"] })).body)).toEqual(["CREATED", "CREATED"]);
});

it("a bad type in types or a bad time is an INVALID_INPUT tool error naming it", async () => {
  const badType = await mcp.call("audit_events", { types: ["FAILED", "EXPLODED"] });
  expect(badType.isError).toBe(true);
  expect(badType.body.error.code).toBe("INVALID_INPUT");
  expect(badType.body.error.message).toContain("event type must be one of");
  const badTime = await mcp.call("audit_events", { since: "soon" });
  expect(badTime.isError).toBe(true);
  expect(badTime.body.error.code).toBe("INVALID_INPUT");
  expect(badTime.body.error.message).toContain('invalid since "soon"');
});

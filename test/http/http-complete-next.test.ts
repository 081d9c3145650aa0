/**
 * POST /api/tasks/:id/complete with `claim_next`: the completion and the next claim in one
 * request (board.completeAndClaimNext), answered as {completed, next}; each its own event,
 * and a refusal of either leaves the board as it was.
 */
import { describe, expect, test } from "vitest";
import { READ_TOKEN, testServer } from "./http-harness.js";
import type { TestServer } from "./http-harness.js";

async function boardState(s: TestServer): Promise<unknown> {
  return { tasks: await s.board.list(), events: await s.board.audit(), agents: await s.board.agents() };
}

describe("complete with claim_next", () => {
  test("completes the task held and answers the next one claimed for its holder, in the claim's wire shape", async () => {
    const s = await testServer();
    await s.board.addMany([{ title: "first" }, { title: "second" }]);
    const claim = await s.json("POST", "/api/claims", 200, { body: { agent: "http-agent" } });
    const answer = await s.json("POST", "/api/tasks/T-1/complete", 200, { body: { token: claim.lease_token, result: "shipped", claim_next: {} } });
    expect(Object.keys(answer)).toEqual(["completed", "next"]);
    expect(answer.completed).toMatchObject({ id: "T-1", status: "completed", result: "shipped", assigned_to: "http-agent" });
    expect(Object.keys(answer.next)).toEqual(["task", "lease_token"]);
    expect(answer.next.task).toMatchObject({ id: "T-2", status: "in_progress", assigned_to: "http-agent", lease_token: answer.next.lease_token });
    expect(answer.next.lease_token).toBeGreaterThan(claim.lease_token);
    expect(answer.completed).toEqual(await s.json("GET", "/api/tasks/T-1", 200));
    const events = await s.json("GET", "/api/events", 200);
    expect(events.items.map((e: { type: string; task_id: string }) => [e.type, e.task_id])).toEqual([
      ["CREATED", "T-1"],
      ["CREATED", "T-2"],
      ["CLAIMED", "T-1"],
      ["COMPLETED", "T-1"],
      ["CLAIMED", "T-2"],
    ]);
    // The next task is held like any claim: its token completes it.
    const last = await s.json("POST", "/api/tasks/T-2/complete", 200, { body: { token: answer.next.lease_token, claim_next: { agent: "http-agent" } } });
    expect([last.completed.id, last.completed.status, last.next]).toEqual(["T-2", "completed", null]);
  });

  test("claim_next takes the agent, capabilities, lease_seconds and min_priority it names", async () => {
    const s = await testServer();
    await s.board.addMany([{ title: "held" }, { title: "low gpu", needs: ["gpu"], priority: "low" }, { title: "high gpu", needs: ["gpu"], priority: "high" }]);
    const claim = await s.board.claim({ agent: "A", ids: ["T-1"] });
    const answer = await s.json("POST", "/api/tasks/T-1/complete", 200, {
      body: { token: claim.leaseToken, claim_next: { agent: "B", capabilities: ["gpu"], lease_seconds: 120, min_priority: "high" } },
    });
    expect([answer.next.task.id, answer.next.task.assigned_to]).toEqual(["T-3", "B"]);
    expect(Date.parse(answer.next.task.lease_expires_at) - Date.parse(answer.next.task.updated_at)).toBe(120_000);
  });

  test("a stale token, an unknown task or a bad claim_next is refused with its status and nothing changes", async () => {
    const s = await testServer();
    await s.board.addMany([{ title: "held" }, { title: "next" }]);
    const claim = await s.board.claim({ agent: "A", ids: ["T-1"] });
    const before = await boardState(s);
    const refused = async (path: string, body: unknown, status: number, code: string): Promise<string> => {
      const answer = await s.json("POST", path, status, { body });
      expect(answer.error.code).toBe(code);
      return answer.error.message as string;
    };
    await refused("/api/tasks/T-1/complete", { token: claim.leaseToken + 7, claim_next: {} }, 409, "LEASE_LOST");
    await refused("/api/tasks/T-9/complete", { agent: "A", claim_next: {} }, 404, "NOT_FOUND");
    expect(await refused("/api/tasks/T-1/complete", { token: claim.leaseToken, claim_next: { agnet: "A" } }, 400, "INVALID_INPUT")).toContain("agnet");
    await refused("/api/tasks/T-1/complete", { token: claim.leaseToken, claim_next: { ids: ["T-2"] } }, 400, "INVALID_INPUT");
    await refused("/api/tasks/T-1/complete", { token: claim.leaseToken, claim_next: { lease_seconds: 0 } }, 400, "INVALID_INPUT");
    await refused("/api/tasks/T-1/complete", { token: claim.leaseToken, claim_next: { capabilities: ["two words"] } }, 400, "INVALID_INPUT");
    await refused("/api/tasks/T-1/complete", { token: claim.leaseToken, claim_next: "yes" }, 400, "INVALID_INPUT");
    expect(await boardState(s)).toEqual(before);
  });

  test("a read token may not complete with claim_next", async () => {
    const s = await testServer();
    await s.board.add({ title: "held" });
    const claim = await s.board.claim({ agent: "A" });
    const before = await boardState(s);
    const answer = await s.json("POST", "/api/tasks/T-1/complete", 403, { body: { token: claim.leaseToken, claim_next: {} }, token: READ_TOKEN });
    expect(answer.error.code).toBe("FORBIDDEN");
    expect(await boardState(s)).toEqual(before);
  });
});

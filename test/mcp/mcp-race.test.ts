/**
 * Mutual exclusion through MCP: two `baton mcp` processes (two OS processes, two agents) race
 * to claim the same single task. Exactly one wins; the other gets the documented refusal.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { connect, freshBoardUrl } from "./mcp-client.js";
import type { McpSession, ToolOutcome } from "./mcp-client.js";

const ROUNDS = 10;

const open: McpSession[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function twoAgents(url: string): Promise<[McpSession, McpSession]> {
  const sessions = await Promise.all([connect(url, "agent-a"), connect(url, "agent-b")]);
  open.push(...sessions);
  return sessions as [McpSession, McpSession];
}

function winnerOf(outcomes: ToolOutcome[]): { winner: ToolOutcome; loser: ToolOutcome } {
  const winners = outcomes.filter((o) => !o.isError);
  const losers = outcomes.filter((o) => o.isError);
  expect(winners).toHaveLength(1);
  expect(losers).toHaveLength(1);
  return { winner: winners[0] as ToolOutcome, loser: losers[0] as ToolOutcome };
}

describe("two MCP clients racing for one task", () => {
  it(`claim_task without id: in each of ${ROUNDS} rounds exactly one agent wins, the other gets NOTHING_READY`, async () => {
    const url = await freshBoardUrl();
    const [a, b] = await twoAgents(url);
    const winners: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await a.call("create_task", { title: `job ${round}` });
      const { winner, loser } = winnerOf(await Promise.all([a.call("claim_task", {}), b.call("claim_task", {})]));
      expect(winner.body.task.id).toBe(`T-${round}`);
      const loserAgent = winner.body.task.assigned_to === "agent-a" ? "agent-b" : "agent-a";
      expect(loser.body.error).toMatchObject({
        code: "NOTHING_READY",
        message: `nothing ready for ${loserAgent}: ${round} in progress; wait and retry, or see \`baton list\``,
      });
      winners.push(winner.body.task.assigned_to);
    }
    const board = await openBoard(url);
    try {
      const tasks = await board.list();
      expect(tasks.map((t) => [t.id, t.status, t.assignedTo])).toEqual(
        winners.map((agent, i) => [`T-${i + 1}`, "in_progress", agent]),
      );
      expect(await board.audit({ type: "CLAIMED" })).toHaveLength(ROUNDS);
    } finally {
      await board.close();
    }
  });

  it(`claim_task by id: in each of ${ROUNDS} rounds exactly one agent wins, the other gets CONFLICT naming the holder`, async () => {
    const url = await freshBoardUrl();
    const [a, b] = await twoAgents(url);
    for (let round = 1; round <= ROUNDS; round++) {
      const id = `T-${round}`;
      await b.call("create_task", { title: `job ${round}` });
      const { winner, loser } = winnerOf(await Promise.all([a.call("claim_task", { id }), b.call("claim_task", { id })]));
      expect(winner.body.task.id).toBe(id);
      expect(loser.body.error).toMatchObject({
        code: "CONFLICT",
        message: `${id} is already held by ${winner.body.task.assigned_to}`,
        details: { reason: "held", assignedTo: winner.body.task.assigned_to },
      });
    }
    const board = await openBoard(url);
    try {
      expect(await board.audit({ type: "CLAIMED" })).toHaveLength(ROUNDS);
      expect((await board.list({ status: "in_progress" })).length).toBe(ROUNDS);
    } finally {
      await board.close();
    }
  });

  it("the loser's complete_task on the winner's task is refused with CONFLICT and the winner's lease stands", async () => {
    const url = await freshBoardUrl();
    const [a, b] = await twoAgents(url);
    await a.call("create_task", { title: "contested" });
    const { winner } = winnerOf(await Promise.all([a.call("claim_task", {}), b.call("claim_task", {})]));
    const holder = winner.body.task.assigned_to as string;
    const [loserSession, loserAgent] = holder === "agent-a" ? [b, "agent-b"] : [a, "agent-a"];

    const stolen = await loserSession.call("complete_task", { id: "T-1", result: "mine" });
    expect(stolen.body.error).toEqual({
      code: "CONFLICT",
      message: `T-1 is held by ${holder}, not by ${loserAgent}`,
      next: expect.any(String),
      details: { taskId: "T-1", assignedTo: holder },
    });
    const stale = await loserSession.call("complete_task", { id: "T-1", lease_token: 99 });
    expect(stale.body.error.code).toBe("LEASE_LOST");

    const board = await openBoard(url);
    try {
      expect(await board.get("T-1")).toMatchObject({ status: "in_progress", assignedTo: holder, result: null });
    } finally {
      await board.close();
    }
  });
});

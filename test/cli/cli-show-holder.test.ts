/**
 * `show` names the agent on a task by what it is to the task now: the holder of one in
 * progress, the agent a pending task is reserved for, and the agent that completed one (a
 * completed task keeps its last holder; it was shown as "reserved for" it).
 */
import { expect, test } from "vitest";
import { openBoard } from "../../src/index.js";
import { taskDetail } from "../../src/cli/human.js";
import { Style } from "../../src/cli/style.js";

const plain = new Style(false, null);
const agentLine = (text: string): string | undefined => text.split("\n").find((line) => line.endsWith(" agent-a"));

test("show labels the agent as holder, reservation or finisher by status", async () => {
  const board = await openBoard("sqlite::memory:");
  try {
    await board.add({ title: "reserved" });
    await board.assign("T-1", "agent-a");
    expect(agentLine(taskDetail(await board.get("T-1"), plain, Date.now()))).toMatch(/^reserved for\s+agent-a$/);
    await board.claim({ agent: "agent-a" });
    expect(agentLine(taskDetail(await board.get("T-1"), plain, Date.now()))).toMatch(/^held by\s+agent-a$/);
    const held = await board.get("T-1");
    await board.complete("T-1", { agent: "agent-a", token: held.leaseToken as number });
    const done = await board.get("T-1");
    expect(done.assignedTo).toBe("agent-a");
    expect(agentLine(taskDetail(done, plain, Date.now()))).toMatch(/^completed by\s+agent-a$/);
  } finally {
    await board.close();
  }
});

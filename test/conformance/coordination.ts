/**
 * Coordination on every store, on a fake clock: auto-assignment and balance over four agents
 * of different capabilities and loads, the agent roster, notes.
 */
import { expect } from "vitest";
import { replayTask } from "../../src/index.js";
import { expectRefusedUnchanged, snapshot } from "./harness.js";
import type { Board } from "../../src/index.js";
import type { Conformance } from "./harness.js";

const POLICY = { leaseSeconds: 60, agentTimeoutSeconds: 600 };

/**
 * D registers first and goes silent until dead; then A (technical), B (technical, content)
 * and C (content) register in that order, so C is the one idle for the shortest time.
 * A holds one task and has one reserved: load 2.
 */
async function fourAgents(board: Board, clock: { advanceSeconds(s: number): void }): Promise<void> {
  await board.addAgent("D", ["technical", "content"]);
  clock.advanceSeconds(601);
  await board.addAgent("A", ["technical"]);
  clock.advanceSeconds(1);
  await board.addAgent("B", ["technical", "content"]);
  clock.advanceSeconds(1);
  await board.addAgent("C", ["content"]);
  clock.advanceSeconds(1);
  const held = await board.add({ title: "held by A", needs: ["technical"] });
  await board.claim({ agent: "A", ids: [held.id] });
  const reserved = await board.add({ title: "reserved for A", needs: ["technical"] });
  await board.assign(reserved.id, "A");
}

export function coordinationTests(c: Conformance): void {
  c.test("assign --auto: least loaded alive agent with the needs, ties to the idlest, never dead D", async () => {
    const { board, clock } = await c.open({ policy: POLICY });
    await fourAgents(board, clock);
    const technical = await board.add({ title: "technical", needs: ["technical"] });
    const content = await board.add({ title: "content", needs: ["content"] });
    const both = await board.add({ title: "both", needs: ["technical", "content"] });
    const anything = await board.add({ title: "anything" });
    expect((await board.assignAuto(technical.id)).assignedTo).toBe("B"); // A has 2; D is dead
    expect((await board.assignAuto(content.id)).assignedTo).toBe("C"); // B now has 1
    expect((await board.assignAuto(both.id)).assignedTo).toBe("B"); // only B (and dead D) can
    expect((await board.assignAuto(anything.id)).assignedTo).toBe("C"); // C 1, B 2, A 2
    expect((await board.workload()).map((a) => [a.id, a.liveness, a.holding + a.reserved])).toEqual([
      ["A", "alive", 2],
      ["B", "alive", 2],
      ["C", "alive", 2],
      ["D", "dead", 0],
    ]);
    const design = await board.add({ title: "design", needs: ["design"] });
    const error = await expectRefusedUnchanged(board, () => board.assignAuto(design.id), "CONFLICT");
    expect(error.message).toContain(`no alive agent with design to assign ${design.id} to`);
    await expectRefusedUnchanged(board, () => board.assignAuto("T-404"), "NOT_FOUND");
  });

  c.test("balance: a plan by default, then exact moves with --apply; dead and incapable agents never chosen", async () => {
    const { board, clock } = await c.open({ policy: POLICY });
    await fourAgents(board, clock);
    const piled = [];
    for (let i = 0; i < 3; i++) piled.push(await board.add({ title: `technical ${i}`, needs: ["technical"] }));
    for (const task of piled) await board.assign(task.id, "A");
    const orphan = await board.add({ title: "reserved for dead D", needs: ["content"] });
    await board.assign(orphan.id, "D");
    const before = await snapshot(board);
    const plan = await board.balance();
    expect(await snapshot(board)).toEqual(before);
    // A: 1 held + 4 reserved. D's task to an alive content agent; then A's last-claimed
    // reservations to B (C lacks technical) until A and B are within one task.
    const expected = [
      [orphan.id, "D", "C", "dead"],
      [piled[2]!.id, "A", "B", "overloaded"],
      [piled[1]!.id, "A", "B", "overloaded"],
    ];
    expect(plan.map((m) => [m.taskId, m.from, m.to, m.why])).toEqual(expected);
    const applied = await board.balance({ apply: true });
    expect(applied.map((m) => [m.taskId, m.from, m.to, m.why])).toEqual(expected);
    const owners = Object.fromEntries((await board.list()).map((t) => [t.id, t.assignedTo]));
    expect([owners[orphan.id], owners[piled[2]!.id], owners[piled[1]!.id], owners[piled[0]!.id]]).toEqual(["C", "B", "B", "A"]);
    expect(await board.balance()).toEqual([]);
  });

  c.test("agent add and remove: removing lifts reservations, refuses a holder, and an unknown agent is NOT_FOUND", async () => {
    const { board } = await c.open({ policy: POLICY });
    expect(await board.addAgent("ops-1", ["technical", "technical", "content"])).toMatchObject({
      id: "ops-1",
      capabilities: ["technical", "content"],
    });
    const reserved = await board.add({ title: "for ops-1" });
    await board.assign(reserved.id, "ops-1");
    await board.removeAgent("ops-1");
    expect((await board.agents()).map((a) => a.id)).toEqual([]);
    expect((await board.get(reserved.id)).assignedTo).toBeNull();
    await expectRefusedUnchanged(board, () => board.removeAgent("ops-1"), "NOT_FOUND");
    await expectRefusedUnchanged(board, () => board.addAgent("bad id!", []), "INVALID_INPUT");
    await board.claim({ agent: "holder", ids: [reserved.id] });
    const error = await expectRefusedUnchanged(board, () => board.removeAgent("holder"), "CONFLICT");
    expect(error.message).toContain(`holder holds ${reserved.id}`);
  });

  c.test("note: a NOTE event by any agent, the task unchanged and still replayable", async () => {
    const { board } = await c.open();
    const task = await board.add({ title: "noted" });
    await board.claim({ agent: "A" });
    const held = await board.get(task.id);
    await board.note(task.id, "waiting on the API keys", { agent: "lead" });
    expect(await board.get(task.id)).toEqual(held);
    const events = await board.audit({ taskId: task.id });
    expect(events.map((e) => [e.type, e.agentId, e.details])).toEqual([
      ["CREATED", null, expect.any(String)],
      ["CLAIMED", "A", expect.any(String)],
      ["NOTE", "lead", "waiting on the API keys"],
    ]);
    expect(replayTask(events)).toEqual(held);
    await expectRefusedUnchanged(board, () => board.note("T-404", "x"), "NOT_FOUND");
    await expectRefusedUnchanged(board, () => board.note(task.id, "   "), "INVALID_INPUT");
  });
}

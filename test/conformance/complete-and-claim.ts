/**
 * completeAndClaimNext (src/board/complete-and-claim.ts): the completion and the next claim
 * in one call, each its own fenced operation and event; all or nothing when either is refused.
 */
import { expect } from "vitest";
import { expectRefusedUnchanged } from "./harness.js";
import type { Conformance } from "./harness.js";

export function completeAndClaimTests(c: Conformance): void {
  c.test("completeAndClaimNext completes the held task and claims the next best for its holder, one event each", async () => {
    const { board } = await c.open();
    await board.addMany([{ title: "first", priority: "high" }, { title: "low", priority: "low" }, { title: "second", priority: "high" }]);
    const held = await board.claim({ agent: "A" });
    const seq = (await board.audit()).at(-1)!.seq;
    const done = await board.completeAndClaimNext(held.task.id, { token: held.leaseToken, result: "ok" });
    expect([done.completed.id, done.completed.status, done.completed.result]).toEqual(["T-1", "completed", "ok"]);
    expect([done.next?.task.id, done.next?.task.status, done.next?.task.assignedTo]).toEqual(["T-3", "in_progress", "A"]);
    expect(done.next!.leaseToken).toBeGreaterThan(held.leaseToken);
    expect(done.next!.task.leaseToken).toBe(done.next!.leaseToken);
    const events = (await board.audit()).filter((e) => e.seq > seq);
    expect(events.map((e) => [e.type, e.taskId, e.agentId])).toEqual([
      ["COMPLETED", "T-1", "A"],
      ["CLAIMED", "T-3", "A"],
    ]);
    expect(await board.get("T-1")).toEqual(done.completed);
    expect(await board.get("T-3")).toEqual(done.next!.task);
  });

  c.test("completeAndClaimNext claims for the agent and with the options it names", async () => {
    const { board } = await c.open();
    await board.addMany([{ title: "plain" }, { title: "gpu work", needs: ["gpu"] }]);
    const held = await board.claim({ agent: "A", ids: ["T-1"] });
    const done = await board.completeAndClaimNext("T-1", { token: held.leaseToken }, { agent: "B", capabilities: ["gpu"], leaseSeconds: 90 });
    expect([done.next?.task.id, done.next?.task.assignedTo]).toEqual(["T-2", "B"]);
    expect(Date.parse(done.next!.task.leaseExpiresAt!) - Date.parse(done.next!.task.updatedAt)).toBe(90_000);
    expect((await board.agents()).find((a) => a.id === "B")?.capabilities).toEqual(["gpu"]);
  });

  c.test("completeAndClaimNext with nothing ready completes the task and answers next: null", async () => {
    const { board } = await c.open();
    await board.add({ title: "last one" });
    const held = await board.claim({ agent: "A" });
    const done = await board.completeAndClaimNext("T-1", { token: held.leaseToken });
    expect(done).toEqual({ completed: await board.get("T-1"), next: null });
    expect(done.completed.status).toBe("completed");
    expect((await board.audit()).map((e) => e.type)).toEqual(["CREATED", "CLAIMED", "COMPLETED"]);
  });

  c.test("completeAndClaimNext with a stale token is LEASE_LOST and claims nothing", async () => {
    const { board, clock } = await c.open();
    await board.addMany([{ title: "contended" }, { title: "untouched" }]);
    const stale = await board.claim({ agent: "A", ids: ["T-1"], leaseSeconds: 60 });
    clock.advanceSeconds(61);
    await board.claim({ agent: "B", ids: ["T-1"] });
    await expectRefusedUnchanged(board, () => board.completeAndClaimNext("T-1", { token: stale.leaseToken }), "LEASE_LOST");
    await expectRefusedUnchanged(board, () => board.completeAndClaimNext("T-404", { agent: "A" }), "NOT_FOUND");
  });

  c.test("completeAndClaimNext with a bad next claim is INVALID_INPUT and does not complete the task", async () => {
    const { board } = await c.open();
    await board.addMany([{ title: "held" }, { title: "next" }]);
    const held = await board.claim({ agent: "A" });
    // Named agent: refused before the store is touched; unnamed: refused inside, the completion undone.
    await expectRefusedUnchanged(board, () => board.completeAndClaimNext("T-1", { token: held.leaseToken }, { agent: "not an id!" }), "INVALID_INPUT");
    await expectRefusedUnchanged(board, () => board.completeAndClaimNext("T-1", { token: held.leaseToken }, { leaseSeconds: -5 }), "INVALID_INPUT");
    await expectRefusedUnchanged(
      board,
      () => board.completeAndClaimNext("T-1", { token: held.leaseToken }, { capabilities: ["no spaces allowed"] }),
      "INVALID_INPUT",
    );
    expect((await board.get("T-1")).status).toBe("in_progress");
  });
}

/**
 * Version-checked edits: a task's version is 1 at creation and rises by one on every change,
 * kept by the store; an edit that names a stale version is refused and changes nothing.
 */
import { expect } from "vitest";
import { expectRefusedUnchanged, refusal } from "./harness.js";
import type { Conformance } from "./harness.js";

export function versionTests(c: Conformance): void {
  c.test("a task's version is 1 at creation and rises by one on every change, as stored", async () => {
    const { board, clock, url } = await c.open();
    const created = await board.add({ title: "versioned" });
    expect(created.version).toBe(1);
    const versions = [created.version];
    versions.push((await board.update(created.id, { priority: "high" })).version);
    versions.push((await board.assign(created.id, "A")).version);
    const { task: claimed, leaseToken } = await board.claim({ agent: "A" });
    versions.push(claimed.version);
    clock.advanceSeconds(1);
    versions.push((await board.heartbeat(created.id, { token: leaseToken })).version);
    versions.push((await board.fail(created.id, { token: leaseToken, error: "flaky" })).version);
    clock.advanceSeconds(3600);
    await board.heal();
    versions.push((await board.get(created.id)).version);
    versions.push((await board.cancel(created.id)).version);
    versions.push((await board.revive(created.id)).version);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const reopened = await c.reopen(url);
    expect((await reopened.get(created.id)).version).toBe(9);
    expect((await reopened.list())[0]?.version).toBe(9);
  });

  c.test("an edit against the current version applies; against a stale one it is refused, nothing changed", async () => {
    const { board } = await c.open();
    const task = await board.add({ title: "edit me" });
    const edited = await board.update(task.id, { title: "edited" }, { agent: "lead", expectedVersion: 1 });
    expect([edited.title, edited.version]).toEqual(["edited", 2]);
    const stale = await expectRefusedUnchanged(
      board,
      () => board.update(task.id, { title: "overwritten" }, { expectedVersion: 1 }),
      "VERSION_MISMATCH",
    );
    expect(stale.details).toEqual({ taskId: task.id, expectedVersion: 1, version: 2 });
    expect(stale.message).toContain(`task ${task.id} changed since version 1: it is at version 2 now`);
    await expectRefusedUnchanged(board, () => board.cancel(task.id, { expectedVersion: 1 }), "VERSION_MISMATCH");
    await expectRefusedUnchanged(board, () => board.assign(task.id, "B", { expectedVersion: 3 }), "VERSION_MISMATCH");
    await expectRefusedUnchanged(board, () => board.update(task.id, { title: "x" }, { expectedVersion: 0 }), "INVALID_INPUT");
    expect((await board.cancel(task.id, { expectedVersion: 2 })).status).toBe("cancelled");
    await expectRefusedUnchanged(board, () => board.revive(task.id, { expectedVersion: 2 }), "VERSION_MISMATCH");
    expect((await board.revive(task.id, { expectedVersion: 3 })).version).toBe(4);
  });

  c.test("a person's edit made before an agent's claim is refused: no silent overwrite of the agent's work", async () => {
    const { board } = await c.open();
    const task = await board.add({ title: "contested" });
    const seen = await board.get(task.id);
    const { leaseToken } = await board.claim({ agent: "A" });
    await expectRefusedUnchanged(
      board,
      () => board.update(task.id, { priority: "low" }, { expectedVersion: seen.version }),
      "VERSION_MISMATCH",
    );
    expect((await board.complete(task.id, { token: leaseToken })).status).toBe("completed");
  });

  c.test("releaseHeld gives a held task back under a version check and fences off its holder", async () => {
    const { board } = await c.open();
    const task = await board.add({ title: "stuck" });
    const { task: held, leaseToken } = await board.claim({ agent: "A" });
    await expectRefusedUnchanged(
      board,
      () => board.releaseHeld(task.id, { agent: "lead", expectedVersion: held.version - 1 }),
      "VERSION_MISMATCH",
    );
    const released = await board.releaseHeld(task.id, { agent: "lead", expectedVersion: held.version });
    expect([released.status, released.assignedTo, released.attempts]).toEqual(["pending", null, 0]);
    const [event] = await board.audit({ taskId: task.id, recent: 1 });
    expect([event?.type, event?.agentId]).toEqual(["RELEASED", "lead"]);
    expect((await refusal(board.complete(task.id, { token: leaseToken }))).code).toBe("LEASE_LOST");
  });

  c.test("two editors of one version through two connections: the second is refused", async () => {
    const { board, url } = await c.open();
    const task = await board.add({ title: "raced" });
    const other = await c.reopen(url);
    const seenHere = await board.get(task.id);
    const seenThere = await other.get(task.id);
    await other.update(task.id, { title: "by other" }, { expectedVersion: seenThere.version });
    await expectRefusedUnchanged(
      board,
      () => board.update(task.id, { title: "by one" }, { expectedVersion: seenHere.version }),
      "VERSION_MISMATCH",
    );
    expect([(await board.get(task.id)).title, (await board.get(task.id)).version]).toEqual(["by other", 2]);
    expect(await board.audit({ taskId: task.id, type: "UPDATED" })).toHaveLength(1);
  });
}

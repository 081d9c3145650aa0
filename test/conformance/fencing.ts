/** Fencing: a stale token, an expired lease or a non-holder can neither end nor extend a lease. */
import { expect } from "vitest";
import { expectRefusedUnchanged } from "./harness.js";
import type { Board, CredentialInput } from "../../src/index.js";
import type { Conformance } from "./harness.js";

/** The four calls that end or extend a lease, each with the given credential. */
function leaseCalls(board: Board, id: string, credential: CredentialInput): [string, () => Promise<unknown>][] {
  return [
    ["complete", () => board.complete(id, { ...credential, result: "stale result" })],
    ["fail", () => board.fail(id, { ...credential, error: "stale failure" })],
    ["heartbeat", () => board.heartbeat(id, credential)],
    ["release", () => board.release(id, credential)],
  ];
}

export function fencingTests(c: Conformance): void {
  c.test("a stale token gets LEASE_LOST from complete, fail, heartbeat and release, and nothing changes", async () => {
    const { board, clock } = await c.open();
    const task = await board.add({ title: "contended" });
    const stale = await board.claim({ agent: "A", leaseSeconds: 60 });
    clock.advanceSeconds(61);
    const fresh = await board.claim({ agent: "B", ids: [task.id] });
    expect(fresh.leaseToken).toBeGreaterThan(stale.leaseToken);
    for (const [verb, call] of leaseCalls(board, task.id, { token: stale.leaseToken })) {
      const error = await expectRefusedUnchanged(board, call, "LEASE_LOST");
      expect(error.message, verb).toBe(
        `lease lost: ${task.id} is now held by B (token ${fresh.leaseToken}); your token ${stale.leaseToken} is stale`,
      );
    }
    const after = await board.get(task.id);
    expect([after.status, after.assignedTo, after.leaseToken]).toEqual(["in_progress", "B", fresh.leaseToken]);
    await board.complete(task.id, { token: fresh.leaseToken, result: "B's work" });
    expect((await board.get(task.id)).result).toBe("B's work");
  });

  c.test("an expired lease gets LEASE_LOST even with the current token, and nothing changes", async () => {
    const { board, clock } = await c.open();
    const task = await board.add({ title: "slow" });
    const claim = await board.claim({ agent: "A", leaseSeconds: 60 });
    clock.advanceSeconds(60);
    for (const credential of [{ token: claim.leaseToken }, { agent: "A" }]) {
      for (const [verb, call] of leaseCalls(board, task.id, credential)) {
        const error = await expectRefusedUnchanged(board, call, "LEASE_LOST");
        expect(error.message, verb).toBe(
          `lease lost: the lease on ${task.id} expired at ${clock.iso()}; claim it again`,
        );
      }
    }
    expect((await board.get(task.id)).status).toBe("in_progress");
  });

  c.test("a finished task gets LEASE_LOST from its old holder's token, except a repeated complete (a retry), which changes nothing", async () => {
    const { board } = await c.open();
    const task = await board.add({ title: "once" });
    const claim = await board.claim({ agent: "A" });
    const done = await board.complete(task.id, { token: claim.leaseToken, result: "first" });
    const events = (await board.audit()).length;
    // The network retry of that very `done`: the same token, answered with the task as it is.
    expect(await board.complete(task.id, { token: claim.leaseToken, result: "first" })).toEqual(done);
    expect(await board.complete(task.id, { token: claim.leaseToken, agent: "A", result: "again" })).toEqual(done);
    expect((await board.audit()).length).toBe(events);
    for (const [verb, call] of leaseCalls(board, task.id, { token: claim.leaseToken })) {
      if (verb === "complete") continue;
      const error = await expectRefusedUnchanged(board, call, "LEASE_LOST");
      expect(error.message).toContain(`${task.id} is already completed`);
    }
    for (const credential of [{ token: claim.leaseToken + 1 }, { token: claim.leaseToken, agent: "B" }]) {
      await expectRefusedUnchanged(board, () => board.complete(task.id, { ...credential, result: "other" }), "LEASE_LOST");
    }
    expect((await board.get(task.id)).result).toBe("first");
  });

  c.test("without a token only the holder may complete, fail, heartbeat or release", async () => {
    const { board } = await c.open();
    const task = await board.add({ title: "mine" });
    await board.claim({ agent: "A" });
    for (const [verb, call] of leaseCalls(board, task.id, { agent: "B" })) {
      const error = await expectRefusedUnchanged(board, call, "CONFLICT");
      expect(error.message, verb).toBe(`${task.id} is held by A, not by B`);
    }
    const pending = await board.add({ title: "unclaimed" });
    for (const [verb, call] of leaseCalls(board, pending.id, { agent: "A" })) {
      const error = await expectRefusedUnchanged(board, call, "CONFLICT");
      expect(error.message, verb).toBe(`${pending.id} is not in progress (it is pending); claim it first`);
    }
    const done = await board.complete(task.id, { agent: "A", result: "ok" });
    expect([done.status, done.result, done.assignedTo]).toEqual(["completed", "ok", "A"]);
  });

  c.test("metadata is kept exactly: a __proto__ key and the user's own checkpoint key survive add, heartbeat notes and a reopen", async () => {
    const { board, url } = await c.open();
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "checkpoint": "the user\'s", "n": [1, {"a": null}]}') as Record<string, unknown>;
    const task = await board.add({ title: "exact", metadata });
    const claim = await board.claim({ agent: "A" });
    await board.heartbeat(task.id, { token: claim.leaseToken, note: "half way" });
    const exact = '{"__proto__":{"polluted":true},"checkpoint":"the user\'s","n":[1,{"a":null}]}';
    expect(JSON.stringify((await board.get(task.id)).metadata)).toBe(exact);
    const reopened = await c.reopen(url);
    try {
      const again = await reopened.get(task.id);
      expect(JSON.stringify(again.metadata)).toBe(exact);
      expect(Object.getPrototypeOf(again.metadata)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      await reopened.close();
    }
  });

  c.test("a heartbeat extends the lease from now, so the holder keeps the task", async () => {
    const { board, clock } = await c.open();
    const task = await board.add({ title: "long" });
    const claim = await board.claim({ agent: "A", leaseSeconds: 60 });
    expect(claim.task.leaseExpiresAt).toBe(clock.iso(60));
    clock.advanceSeconds(50);
    const beat = await board.heartbeat(task.id, { token: claim.leaseToken, leaseSeconds: 60, note: "half way" });
    expect(beat.leaseExpiresAt).toBe(clock.iso(60));
    expect(beat.metadata).toEqual(task.metadata);
    const [noted] = await board.audit({ taskId: task.id, type: "HEARTBEAT" });
    expect(noted?.details).toBe("checkpoint: half way");
    clock.advanceSeconds(50);
    expect((await board.heal()).timedOut).toEqual([]);
    const done = await board.complete(task.id, { token: claim.leaseToken });
    expect(done.status).toBe("completed");
    expect(done.leaseToken).toBe(claim.leaseToken);
  });
}

/** Retries with backoff, the poison pill, release, lease expiry and heal, on a fake clock. */
import { expect } from "vitest";
import { refusal } from "./harness.js";
import type { Conformance } from "./harness.js";

export function retryTests(c: Conformance): void {
  c.test("fail schedules retries 300 s then 600 s later, claimable only then, and poisons at max attempts", async () => {
    const { board, clock } = await c.open();
    const task = await board.add({ title: "flaky" });
    let claim = await board.claim({ agent: "A" });
    const failed = await board.fail(task.id, { token: claim.leaseToken, error: "boom 1" });
    expect(failed).toMatchObject({
      status: "failed",
      attempts: 1,
      lastError: "boom 1",
      assignedTo: null,
      leaseExpiresAt: null,
      nextAttemptAt: clock.iso(300),
    });
    clock.advanceMs(299_999);
    expect((await refusal(board.claim({ agent: "B" }))).code).toBe("NOTHING_READY");
    const early = await refusal(board.claim({ agent: "B", ids: [task.id] }));
    expect([early.code, early.message]).toEqual([
      "NOT_READY",
      `${task.id} is not ready: it failed and its retry is due at ${clock.iso(0.001)}`,
    ]);
    clock.advanceMs(1);
    claim = await board.claim({ agent: "B" });
    expect([claim.task.id, claim.task.attempts, claim.task.nextAttemptAt]).toEqual([task.id, 1, null]);
    expect((await board.fail(task.id, { token: claim.leaseToken, error: "boom 2" })).nextAttemptAt).toBe(clock.iso(600));
    clock.advanceMs(599_999);
    expect((await refusal(board.claim({ agent: "C" }))).code).toBe("NOTHING_READY");
    clock.advanceMs(1);
    claim = await board.claim({ agent: "C" });
    const dead = await board.fail(task.id, { token: claim.leaseToken, error: "boom 3" });
    expect(dead).toMatchObject({ status: "dead", attempts: 3, nextAttemptAt: null, assignedTo: null, lastError: "boom 3" });
    clock.advanceSeconds(86_400);
    expect((await refusal(board.claim({ agent: "D" }))).code).toBe("NOTHING_READY");
    const types = (await board.audit({ taskId: task.id })).map((e) => e.type);
    expect(types).toEqual([
      "CREATED",
      "CLAIMED",
      "FAILED",
      "RETRY_SCHEDULED",
      "CLAIMED",
      "FAILED",
      "RETRY_SCHEDULED",
      "CLAIMED",
      "POISON_PILL",
    ]);
  });

  c.test("retry jitter spreads the delay by at most ±10%", async () => {
    for (const [random, seconds] of [
      [0, 270],
      [0.25, 285],
      [0.75, 315],
    ] as const) {
      const { board, clock } = await c.open({ random: () => random });
      const task = await board.add({ title: "jittered" });
      const claim = await board.claim({ agent: "A" });
      expect((await board.fail(task.id, { token: claim.leaseToken, error: "x" })).nextAttemptAt).toBe(clock.iso(seconds));
    }
  });

  c.test("release gives the task back at once without counting an attempt", async () => {
    const { board } = await c.open();
    const task = await board.add({ title: "handed back" });
    const claim = await board.claim({ agent: "A" });
    const released = await board.release(task.id, { token: claim.leaseToken, reason: "going home" });
    expect(released).toMatchObject({ status: "pending", attempts: 0, assignedTo: null, leaseExpiresAt: null });
    const again = await board.claim({ agent: "B" });
    expect([again.task.id, again.task.attempts]).toEqual([task.id, 0]);
    expect((await board.audit({ type: "RELEASED" }))[0]!.details).toBe("released by A: going home");
  });

  c.test("an expired lease counts an attempt (TIMEOUT) and the task is pending again at once", async () => {
    const { board, clock } = await c.open();
    const task = await board.add({ title: "abandoned" });
    const claim = await board.claim({ agent: "A", leaseSeconds: 60 });
    clock.advanceSeconds(59);
    expect(await board.heal()).toEqual({ timedOut: [], poisoned: [], retried: [], deadAgents: [] });
    clock.advanceSeconds(1);
    expect(await board.heal()).toEqual({ timedOut: [task.id], poisoned: [], retried: [], deadAgents: [] });
    const after = await board.get(task.id);
    expect(after).toMatchObject({ status: "pending", attempts: 1, assignedTo: null, leaseExpiresAt: null, nextAttemptAt: null });
    expect(after.lastError).toBe(`lease expired: A (token ${claim.leaseToken}) stopped heartbeating`);
    const timeout = (await board.audit({ type: "TIMEOUT" }))[0]!;
    expect([timeout.taskId, timeout.agentId, timeout.from, timeout.to]).toEqual([task.id, "A", "in_progress", "pending"]);
    expect((await board.claim({ agent: "B" })).task.id).toBe(task.id);
  });

  c.test("a claim recovers an expired lease by itself, without heal", async () => {
    const { board, clock } = await c.open();
    const task = await board.add({ title: "lazy" });
    await board.claim({ agent: "A", leaseSeconds: 30 });
    clock.advanceSeconds(30);
    const taken = await board.claim({ agent: "B" });
    expect([taken.task.id, taken.task.assignedTo, taken.task.attempts]).toEqual([task.id, "B", 1]);
    expect((await board.audit({ taskId: task.id })).map((e) => e.type)).toEqual(["CREATED", "CLAIMED", "TIMEOUT", "CLAIMED"]);
  });

  c.test("a claim by id takes over an expired lease even when many other leases expired too", async () => {
    const { board, clock } = await c.open();
    await board.addMany(Array.from({ length: 40 }, (_, i) => ({ title: `task ${i}` })));
    for (let i = 0; i < 40; i++) {
      await board.claim({ agent: `A${i}`, leaseSeconds: 60 });
      clock.advanceMs(1);
    }
    clock.advanceSeconds(60);
    // T-40's lease expired last; a claim by id must still see it as expired, not as held.
    const taken = await board.claim({ agent: "B", ids: ["T-40"] });
    expect([taken.task.id, taken.task.assignedTo, taken.task.attempts]).toEqual(["T-40", "B", 1]);
    const timeouts = (await board.audit({ taskId: "T-40" })).map((e) => e.type);
    expect(timeouts).toEqual(["CREATED", "CLAIMED", "TIMEOUT", "CLAIMED"]);
  });

  c.test("an expired lease on the last attempt makes the task dead (POISON_PILL)", async () => {
    const { board, clock } = await c.open();
    const task = await board.add({ title: "doomed", maxAttempts: 2 });
    await board.claim({ agent: "A", leaseSeconds: 10 });
    clock.advanceSeconds(10);
    expect((await board.heal()).timedOut).toEqual([task.id]);
    await board.claim({ agent: "B", leaseSeconds: 10 });
    clock.advanceSeconds(10);
    expect(await board.heal()).toEqual({ timedOut: [], poisoned: [task.id], retried: [], deadAgents: [] });
    expect(await board.get(task.id)).toMatchObject({ status: "dead", attempts: 2, assignedTo: null, leaseExpiresAt: null });
    expect((await board.audit({ type: "POISON_PILL" })).map((e) => e.taskId)).toEqual([task.id]);
    const revived = await board.revive(task.id);
    expect([revived.status, revived.attempts]).toEqual(["pending", 0]);
  });

  c.test("heal promotes due retries and reports them", async () => {
    const { board, clock } = await c.open();
    const task = await board.add({ title: "retry me" });
    const claim = await board.claim({ agent: "A" });
    await board.fail(task.id, { token: claim.leaseToken, error: "transient" });
    clock.advanceSeconds(299);
    expect((await board.heal()).retried).toEqual([]);
    clock.advanceSeconds(1);
    expect(await board.heal()).toEqual({ timedOut: [], poisoned: [], retried: [task.id], deadAgents: [] });
    expect(await board.get(task.id)).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: null });
  });

  c.test("heal declares an agent unseen past the agent timeout dead and recovers its leases (AGENT_DEAD)", async () => {
    const { board, clock } = await c.open({ policy: { agentTimeoutSeconds: 600 } });
    const [lost, kept] = await board.addMany([{ title: "lost" }, { title: "kept" }]);
    await board.claim({ agent: "A", ids: [lost!.id], leaseSeconds: 3600 });
    const b = await board.claim({ agent: "B", ids: [kept!.id], leaseSeconds: 3600 });
    clock.advanceSeconds(500);
    await board.heartbeat(kept!.id, { token: b.leaseToken, leaseSeconds: 3600 });
    clock.advanceSeconds(101);
    expect(await board.heal()).toEqual({ timedOut: [lost!.id], poisoned: [], retried: [], deadAgents: ["A"] });
    const recovered = await board.get(lost!.id);
    expect(recovered).toMatchObject({ status: "pending", attempts: 1, assignedTo: null });
    // Its lease had 2999 s left: the holder was declared dead; the lease did not expire.
    const seen = (await board.agents()).find((a) => a.id === "A")!.lastSeenAt;
    const error = `agent dead: A (token ${recovered.leaseToken}) unseen since ${seen}, before its lease ran out`;
    expect(recovered.lastError).toBe(error);
    const timeout = await board.audit({ type: "TIMEOUT", taskId: lost!.id });
    expect(timeout.map((e) => e.details)).toEqual([`${error}; pending again (attempt 1/${recovered.maxAttempts} used)`]);
    expect(await board.get(kept!.id)).toMatchObject({ status: "in_progress", assignedTo: "B" });
    const dead = await board.audit({ type: "AGENT_DEAD" });
    expect(dead.map((e) => [e.agentId, e.data.recovered])).toEqual([["A", [lost!.id]]]);
    expect(await board.heal()).toEqual({ timedOut: [], poisoned: [], retried: [], deadAgents: [] });
  });
}

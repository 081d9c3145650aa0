/**
 * Operations on every store, on a fake clock: health (the store's own checks through
 * `Store.inspect`, board-level findings through a read that changes nothing).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { formatDuration } from "../../src/core/duration.js";
import { expectRefusedUnchanged, refusal, snapshot } from "./harness.js";
import type { Conformance } from "./harness.js";

export function operationTests(c: Conformance): void {
  c.test("backup: a verified copy on the embedded stores; PostgreSQL points at pg_dump and changes nothing", async () => {
    const { board } = await c.open();
    await board.add({ title: "worth keeping" });
    const file = join(mkdtempSync(join(tmpdir(), "baton-conf-backup-")), "copy");
    if (board.store.kind === "postgres") {
      const error = await expectRefusedUnchanged(board, () => board.backup(file), "INVALID_INPUT");
      expect(error.message).toContain("pg_dump --format=custom --table='baton_*'");
      return;
    }
    expect(await board.backup(file)).toMatchObject({ ok: true, tasks: 1, events: 1, replayMismatches: [] });
  });

  c.test("health: a fresh board is healthy with the store's own checks; findings are named and nothing changes", async () => {
    const { board, clock } = await c.open({ policy: { maxAttempts: 1 } });
    const fresh = await board.health();
    expect(fresh.checks.filter((check) => !check.ok)).toEqual([]);
    expect(fresh.checks.find((check) => check.name === "oldest ready task")?.detail).toBe("nothing is ready");
    expect(fresh.healthy).toBe(true);
    const storeChecks = await board.store.inspect!();
    expect(storeChecks.length).toBeGreaterThan(0);
    expect(fresh.checks.map((check) => check.name)).toEqual(expect.arrayContaining(storeChecks.map((check) => check.name)));

    const pill = await board.add({ title: "fragile" });
    const claim = await board.claim({ agent: "A", ids: [pill.id] });
    await board.fail(pill.id, { token: claim.leaseToken, error: "disk full" });
    const held = await board.add({ title: "abandoned" });
    await board.claim({ agent: "B", ids: [held.id], leaseSeconds: 60 });
    clock.advanceSeconds(61);
    const before = await snapshot(board);
    const sick = await board.health();
    expect(await snapshot(board)).toEqual(before);
    expect(sick.healthy).toBe(false);
    expect(sick.checks.filter((check) => !check.ok).map((check) => [check.name, check.detail])).toEqual([
      ["expired leases", `1 expired lease(s) not yet recovered: ${held.id} (held by B)`],
      ["poison pills", `1 task(s) failed every attempt: ${pill.id} (disk full)`],
    ]);
  });

  c.test("health: the oldest ready task is the one waiting longest since its last change, never a blocked one; the pending are counted", async () => {
    const { board, clock } = await c.open();
    const oldest = async (): Promise<string | undefined> =>
      (await board.health({ integrity: false })).checks.find((check) => check.name === "oldest ready task")?.detail;
    const upstream = await board.add({ title: "upstream" });
    const upstreamClaim = await board.claim({ agent: "A", ids: [upstream.id] });
    clock.advanceSeconds(10);
    const blocked = await board.add({ title: "blocked", dependsOn: [upstream.id] });
    clock.advanceSeconds(10);
    const released = await board.add({ title: "released later" });
    clock.advanceSeconds(10);
    const waiting = await board.add({ title: "waiting" });
    clock.advanceSeconds(10);
    const claim = await board.claim({ agent: "B", ids: [released.id] });
    await board.release(released.id, { token: claim.leaseToken });
    clock.advanceSeconds(60);
    // Created before `waiting`, but released (changed) after it: `waiting` has waited longest.
    expect(await oldest()).toBe(`${waiting.id} has waited ${formatDuration(70_000)} (3 pending)`);
    await board.complete(upstream.id, { token: upstreamClaim.leaseToken });
    // Ready now, and waiting since it was added: a dependency completing is not a change of its own.
    expect(await oldest()).toBe(`${blocked.id} has waited ${formatDuration(90_000)} (3 pending)`);
  });
}

/** seed 002's retry_config.json parity: autoReassign, timeoutSeconds, and claim/next at least a priority. */
export function retryPolicyTests(c: Conformance): void {
  c.test("timeoutSeconds: heartbeats never extend a lease past claim + timeoutSeconds; then it times out", async () => {
    const { board, clock } = await c.open({ policy: { leaseSeconds: 60, timeoutSeconds: 100 } });
    const task = await board.add({ title: "bounded" });
    const claim = await board.claim({ agent: "A", leaseSeconds: 300 });
    expect(claim.task.leaseExpiresAt).toBe(clock.iso(100)); // the first lease too
    const claimedAt = clock.ms;
    clock.advanceSeconds(50);
    expect((await board.heartbeat(task.id, { token: claim.leaseToken })).leaseExpiresAt).toBe(new Date(claimedAt + 100_000).toISOString());
    clock.advanceSeconds(40);
    const last = await board.heartbeat(task.id, { token: claim.leaseToken, leaseSeconds: 30 });
    expect(last.leaseExpiresAt).toBe(new Date(claimedAt + 100_000).toISOString());
    clock.advanceSeconds(10);
    expect((await board.heal()).timedOut).toEqual([task.id]);
    expect(await board.get(task.id)).toMatchObject({ status: "pending", attempts: 1, assignedTo: null });
    const types = (await board.audit({ taskId: task.id })).map((e) => e.type);
    expect(types).toEqual(["CREATED", "CLAIMED", "HEARTBEAT", "HEARTBEAT", "TIMEOUT"]);
    // A new claim starts a new allowance.
    const again = await board.claim({ agent: "B" });
    expect(again.task.leaseExpiresAt).toBe(clock.iso(60));
  });

  c.test("autoReassign: a failed or timed-out task's retry is reserved for another alive capable agent first", async () => {
    const { board, clock } = await c.open({ policy: { leaseSeconds: 60, autoReassign: true, retryBaseSeconds: 10 } });
    await board.addAgent("A", ["technical"]);
    await board.addAgent("B", ["technical"]);
    await board.addAgent("C", ["content"]);
    const task = await board.add({ title: "flaky", needs: ["technical"] });
    const first = await board.claim({ agent: "A", ids: [task.id] });
    const failed = await board.fail(task.id, { token: first.leaseToken, error: "boom" });
    expect([failed.status, failed.assignedTo]).toEqual(["failed", "B"]); // C lacks technical
    clock.advanceSeconds(10);
    // (A's claim promotes the due retry on its way, then finds it reserved for B.)
    expect((await refusal(board.claim({ agent: "A" }))).code).toBe("NOTHING_READY");
    const second = await board.claim({ agent: "B" });
    expect(second.task.id).toBe(task.id);
    clock.advanceSeconds(61);
    await board.addAgent("A", ["technical"]); // A is seen again; B went quiet holding it
    expect((await board.heal()).timedOut).toEqual([task.id]);
    expect(await board.get(task.id)).toMatchObject({ status: "pending", assignedTo: "A", attempts: 2 });
    expect((await board.audit({ taskId: task.id })).map((e) => [e.type, e.to])).toEqual([
      ["CREATED", "pending"],
      ["CLAIMED", "in_progress"],
      ["FAILED", "failed"],
      ["ASSIGNED", "failed"],
      ["RETRY_SCHEDULED", "pending"],
      ["CLAIMED", "in_progress"],
      ["TIMEOUT", "pending"],
      ["ASSIGNED", "pending"],
    ]);
  });

  c.test("autoReassign with no other alive capable agent leaves the retry to anyone; off by default", async () => {
    const { board, clock } = await c.open({ policy: { autoReassign: true, retryBaseSeconds: 10 } });
    const task = await board.add({ title: "alone", needs: ["technical"] });
    const claim = await board.claim({ agent: "A", capabilities: ["technical"] });
    expect((await board.fail(task.id, { token: claim.leaseToken, error: "boom" })).assignedTo).toBeNull();
    const plain = await c.open({ policy: { retryBaseSeconds: 10 } });
    await plain.board.addAgent("B", []);
    const other = await plain.board.add({ title: "default" });
    const held = await plain.board.claim({ agent: "A" });
    expect((await plain.board.fail(other.id, { token: held.leaseToken, error: "boom" })).assignedTo).toBeNull();
    clock.advanceSeconds(1);
  });

  c.test("claim and next with a minimum priority take only tasks at least that urgent", async () => {
    const { board } = await c.open();
    const low = await board.add({ title: "low", priority: "low" });
    await board.assign(low.id, "A"); // reserved for A, yet below the bar
    await board.add({ title: "medium" });
    const blocker = await board.add({ title: "blocker", priority: "low" });
    const high = await board.add({ title: "high", priority: "high", dependsOn: [blocker.id] });
    const critical = await board.add({ title: "critical", priority: "critical" });
    expect((await board.next({ agent: "A", minPriority: "high" }))?.id).toBe(critical.id);
    expect((await board.claim({ agent: "A", minPriority: "high" })).task.id).toBe(critical.id);
    expect(await board.next({ agent: "A", minPriority: "high" })).toBeNull(); // high waits for its blocker
    await expectRefusedUnchanged(board, () => board.claim({ agent: "A", minPriority: "high" }), "NOTHING_READY");
    expect((await board.claim({ agent: "A", minPriority: "medium" })).task.title).toBe("medium");
    expect((await board.claim({ agent: "A", minPriority: "low" })).task.id).toBe(low.id);
    await expectRefusedUnchanged(board, () => board.claim({ agent: "A", minPriority: "urgent" as never }), "INVALID_INPUT");
    await expectRefusedUnchanged(board, () => board.claim({ agent: "A", ids: [high.id], minPriority: "high" }), "INVALID_INPUT");
  });
}

/** Audit queries (SPEC §9): several types, errors only, a time window, stats. */
import { expect } from "vitest";
import { expectRefusedUnchanged } from "./harness.js";
import type { Board, BoardEvent } from "../../src/index.js";
import type { Conformance, FakeClock } from "./harness.js";

/** T-1 completed by A, T-2 failed by B then timed out on C, T-3 dead by A: one of each error kind. */
async function errorfulBoard(board: Board, clock: FakeClock): Promise<void> {
  await board.addMany([{ title: "one" }, { title: "two" }, { title: "three", maxAttempts: 1 }]);
  clock.advanceSeconds(10);
  const one = await board.claim({ agent: "A", ids: ["T-1"], leaseSeconds: 60 });
  clock.advanceSeconds(20);
  await board.complete("T-1", { token: one.leaseToken });
  clock.advanceSeconds(30);
  const two = await board.claim({ agent: "B", ids: ["T-2"], leaseSeconds: 60 });
  await board.fail("T-2", { token: two.leaseToken, error: "broke" });
  clock.advanceSeconds(3600);
  await board.claim({ agent: "C", ids: ["T-2"], leaseSeconds: 10 });
  clock.advanceSeconds(20);
  await board.heal();
  const three = await board.claim({ agent: "A", ids: ["T-3"], leaseSeconds: 60 });
  await board.fail("T-3", { token: three.leaseToken, error: "fatal" });
}

const shape = (events: readonly BoardEvent[]): string[] => events.map((e) => `${e.type} ${e.taskId} ${e.agentId}`);

export function auditQueryTests(c: Conformance): void {
  c.test("audit by several types at once returns the events of any of them, in seq order, with limit and recent", async () => {
    const { board, clock } = await c.open();
    await errorfulBoard(board, clock);
    expect(shape(await board.audit({ type: ["FAILED", "TIMEOUT"] }))).toEqual([
      "FAILED T-2 B",
      "TIMEOUT T-2 C",
    ]);
    expect(shape(await board.audit({ type: ["COMPLETED", "CLAIMED"] }))).toEqual([
      "CLAIMED T-1 A",
      "COMPLETED T-1 A",
      "CLAIMED T-2 B",
      "CLAIMED T-2 C",
      "CLAIMED T-3 A",
    ]);
    expect(shape(await board.audit({ type: ["COMPLETED", "CLAIMED"], limit: 2 }))).toEqual(["CLAIMED T-1 A", "COMPLETED T-1 A"]);
    expect(shape(await board.audit({ type: ["COMPLETED", "CLAIMED"], recent: 2 }))).toEqual(["CLAIMED T-2 C", "CLAIMED T-3 A"]);
    expect(shape(await board.audit({ type: ["CLAIMED", "FAILED"], agent: "A" }))).toEqual(["CLAIMED T-1 A", "CLAIMED T-3 A"]);
    expect(shape(await board.audit({ type: ["CLAIMED", "FAILED"], taskId: "T-2" }))).toEqual(["CLAIMED T-2 B", "FAILED T-2 B", "CLAIMED T-2 C"]);
    const all = await board.audit();
    const after = all.find((e) => e.type === "COMPLETED")!.seq;
    expect(shape(await board.audit({ type: ["CLAIMED", "TIMEOUT"], afterSeq: after }))).toEqual([
      "CLAIMED T-2 B",
      "CLAIMED T-2 C",
      "TIMEOUT T-2 C",
      "CLAIMED T-3 A",
    ]);
  });

  c.test("audit --errors returns FAILED, TIMEOUT, POISON_PILL, LOCK_BROKEN and AGENT_DEAD events only", async () => {
    const { board, clock } = await c.open({ policy: { agentTimeoutSeconds: 60 } });
    await errorfulBoard(board, clock);
    await board.add({ title: "four" });
    await board.claim({ agent: "D", ids: ["T-4"], leaseSeconds: 3600 });
    clock.advanceSeconds(120);
    await board.heal(); // D went silent holding T-4
    expect(shape(await board.audit({ errors: true }))).toEqual([
      "FAILED T-2 B",
      "TIMEOUT T-2 C",
      "POISON_PILL T-3 A",
      "TIMEOUT T-4 D",
      "AGENT_DEAD null D",
    ]);
    // errors with types: the types in both.
    expect(shape(await board.audit({ errors: true, type: ["TIMEOUT", "CLAIMED"] }))).toEqual(["TIMEOUT T-2 C", "TIMEOUT T-4 D"]);
    expect(await board.audit({ errors: true, type: "CLAIMED" })).toEqual([]);
  });

  c.test("audit --since/--until keep the events in [since, until), and combine with the other filters", async () => {
    const { board, clock } = await c.open();
    const start = clock.iso();
    await errorfulBoard(board, clock);
    const all = await board.audit();
    const at = (type: string): string => all.find((e) => e.type === type)!.at;
    // FAILED is at the same instant as T-2's claim: until is exclusive, so neither is in.
    expect(shape(await board.audit({ since: at("COMPLETED"), until: at("FAILED") }))).toEqual(["COMPLETED T-1 A"]);
    expect(shape(await board.audit({ since: at("TIMEOUT"), type: "CLAIMED" }))).toEqual(["CLAIMED T-3 A"]);
    expect(await board.audit({ until: start })).toEqual([]);
    expect((await board.audit({ since: Date.parse(start) })).length).toBe(all.length);
    expect(shape(await board.audit({ since: "2030-01-01", until: "2030-01-01T00:00:15Z", agent: "A" }))).toEqual(["CLAIMED T-1 A"]);
  });

  c.test("bad audit filters are refused with INVALID_INPUT naming the fix", async () => {
    const { board } = await c.open();
    await board.add({ title: "one" });
    const badType = await expectRefusedUnchanged(board, () => board.audit({ type: ["FAILED", "NOPE" as "FAILED"] }), "INVALID_INPUT");
    expect(badType.message).toContain("event type must be one of");
    const badTime = await expectRefusedUnchanged(board, () => board.audit({ since: "last tuesday" }), "INVALID_INPUT");
    expect(badTime.message).toContain('invalid since "last tuesday": use an ISO 8601 time');
    const none = await expectRefusedUnchanged(board, () => board.audit({ type: [] }), "INVALID_INPUT");
    expect(none.message).toContain("name at least one event type");
  });

  c.test("audit stats counts by type and agent and measures time to claim and to complete", async () => {
    const { board, clock } = await c.open();
    await errorfulBoard(board, clock);
    const stats = await board.auditStats();
    expect(stats.events).toBe((await board.audit()).length);
    expect(stats.byType.CLAIMED).toBe(4);
    expect(stats.byType.CREATED).toBe(3);
    expect(stats.byType.COMPLETED).toBe(1);
    expect(stats.byType.FAILED).toBe(1);
    expect(stats.byType.TIMEOUT).toBe(1);
    expect(stats.byType.POISON_PILL).toBe(1);
    expect(stats.byAgent).toEqual({ A: 4, B: 2, C: 2 });
    // Claimed 10 s (T-1), 60 s (T-2) and 3,680 s (T-3) after creation; T-1 worked 20 s.
    expect(stats.timeToClaim).toEqual({ count: 3, meanSeconds: (10 + 60 + 3680) / 3, p50Seconds: 60, p95Seconds: 3680, maxSeconds: 3680 });
    expect(stats.timeToComplete).toEqual({ count: 1, meanSeconds: 20, p50Seconds: 20, p95Seconds: 20, maxSeconds: 20 });
    expect((await board.auditStats({ agent: "B" })).byType).toEqual({ CLAIMED: 1, FAILED: 1 });
  });
}

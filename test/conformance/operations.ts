/**
 * Operations on every store, on a fake clock: health (the store's own checks through
 * `Store.inspect`, board-level findings through a read that changes nothing).
 */
import { expect } from "vitest";
import { snapshot } from "./harness.js";
import type { Conformance } from "./harness.js";

export function operationTests(c: Conformance): void {
  c.test("health: a fresh board is healthy with the store's own checks; findings are named and nothing changes", async () => {
    const { board, clock } = await c.open({ policy: { maxAttempts: 1 } });
    const fresh = await board.health();
    expect(fresh.checks.filter((check) => !check.ok)).toEqual([]);
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
}

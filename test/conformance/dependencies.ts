/** Dependencies: readiness waits for every dependency to complete; cycles and unknown ids are refused. */
import { expect } from "vitest";
import { expectRefusedUnchanged, refusal } from "./harness.js";
import type { Conformance } from "./harness.js";

export function dependencyTests(c: Conformance): void {
  c.test("a task is not claimable until every one of its dependencies is completed", async () => {
    const { board } = await c.open();
    const [design, build] = await board.addMany([{ title: "design" }, { title: "build" }]);
    const ship = await board.add({ title: "ship", priority: "critical", dependsOn: [design!.id, build!.id] });
    expect((await board.ready()).map((t) => t.id)).toEqual([design!.id, build!.id]);
    const first = await board.claim({ agent: "A" });
    expect(first.task.id).toBe(design!.id);
    await board.complete(design!.id, { token: first.leaseToken });
    const waiting = await refusal(board.claim({ agent: "A", ids: [ship.id] }));
    expect([waiting.code, waiting.message]).toEqual(["NOT_READY", `${ship.id} is not ready: waiting for ${build!.id} (pending)`]);
    const second = await board.claim({ agent: "A" });
    expect(second.task.id).toBe(build!.id);
    expect((await refusal(board.claim({ agent: "B" }))).code).toBe("NOTHING_READY");
    await board.complete(build!.id, { token: second.leaseToken });
    expect((await board.ready()).map((t) => t.id)).toEqual([ship.id]);
    expect((await board.claim({ agent: "B" })).task.id).toBe(ship.id);
  });

  c.test("a dependency that ends dead or cancelled keeps its dependants waiting", async () => {
    const { board } = await c.open();
    const doomed = await board.add({ title: "doomed", maxAttempts: 1 });
    const dropped = await board.add({ title: "dropped" });
    const after = await board.add({ title: "after", dependsOn: [doomed.id, dropped.id] });
    const claim = await board.claim({ agent: "A", ids: [doomed.id] });
    await board.fail(doomed.id, { token: claim.leaseToken, error: "fatal" });
    await board.cancel(dropped.id, { reason: "not needed" });
    const error = await refusal(board.claim({ agent: "A", ids: [after.id] }));
    expect([error.code, error.message]).toEqual([
      "NOT_READY",
      `${after.id} is not ready: waiting for ${doomed.id} (dead), ${dropped.id} (cancelled)`,
    ]);
    expect((await refusal(board.claim({ agent: "A" }))).code).toBe("NOTHING_READY");
  });

  c.test("dependency cycles are rejected: on itself, direct, indirect and through update", async () => {
    const { board } = await c.open();
    const self = await expectRefusedUnchanged(board, () => board.add({ title: "self", id: "S-1", dependsOn: ["S-1"] }), "INVALID_INPUT");
    expect(self.message).toBe("dependency cycle rejected: S-1 → S-1; a task cannot (indirectly) wait for itself");
    const a = await board.add({ title: "a", id: "A-1" });
    await board.add({ title: "b", id: "B-1", dependsOn: [a.id] });
    await board.add({ title: "c", id: "C-1", dependsOn: ["B-1"] });
    const selfUpdate = await expectRefusedUnchanged(board, () => board.update("A-1", { dependsOn: ["A-1"] }), "INVALID_INPUT");
    expect(selfUpdate.details.cycle).toEqual(["A-1", "A-1"]);
    const direct = await expectRefusedUnchanged(board, () => board.update("A-1", { dependsOn: ["B-1"] }), "INVALID_INPUT");
    expect(direct.message).toContain("A-1 → B-1 → A-1");
    const indirect = await expectRefusedUnchanged(board, () => board.update("A-1", { dependsOn: ["C-1"] }), "INVALID_INPUT");
    expect(indirect.message).toContain("A-1 → C-1 → B-1 → A-1");
    const added = await expectRefusedUnchanged(board, () => board.addDependencies("A-1", ["C-1"]), "INVALID_INPUT");
    expect(added.details.cycle).toEqual(["A-1", "C-1", "B-1", "A-1"]);
    // Not a cycle: a diamond.
    await board.add({ title: "d", id: "D-1", dependsOn: ["B-1", "C-1"] });
    expect((await board.update("D-1", { dependsOn: ["A-1", "B-1", "C-1"] })).dependsOn).toEqual(["A-1", "B-1", "C-1"]);
  });

  c.test("an unknown dependency is rejected with NOT_FOUND and the board unchanged", async () => {
    const { board } = await c.open();
    const real = await board.add({ title: "real" });
    const error = await expectRefusedUnchanged(
      board,
      () => board.add({ title: "orphan", id: "O-1", dependsOn: [real.id, "NOPE-1"] }),
      "NOT_FOUND",
    );
    expect(error.message).toBe("O-1 cannot depend on NOPE-1: no such task");
    const updated = await expectRefusedUnchanged(board, () => board.update(real.id, { dependsOn: ["NOPE-2"] }), "NOT_FOUND");
    expect(updated.message).toBe(`${real.id} cannot depend on NOPE-2: no such task`);
  });

  c.test("a task's dependents follow edits of depends_on, a refused edit and a batch add", async () => {
    const { board } = await c.open();
    await board.addMany([{ title: "a" }, { title: "b" }, { title: "c" }]);
    await board.addMany([{ title: "after a", dependsOn: ["T-1"] }, { title: "after a and b", dependsOn: ["T-1", "T-2"] }]);
    const dependents = async (id: string) => (await board.list({ dependsOn: id })).map((t) => t.id);
    expect(await dependents("T-1")).toEqual(["T-4", "T-5"]);
    await board.update("T-5", { dependsOn: ["T-2", "T-3"] });
    expect(await dependents("T-1")).toEqual(["T-4"]);
    expect(await dependents("T-2")).toEqual(["T-5"]);
    expect(await dependents("T-3")).toEqual(["T-5"]);
    // A cycle is refused: the edge it would add is not kept either.
    await expectRefusedUnchanged(board, () => board.update("T-3", { dependsOn: ["T-5"] }), "INVALID_INPUT");
    expect(await dependents("T-5")).toEqual([]);
    await board.update("T-4", { dependsOn: [] });
    expect(await dependents("T-1")).toEqual([]);
    expect(await board.count({ dependsOn: "T-2" })).toBe(1);
  });
}

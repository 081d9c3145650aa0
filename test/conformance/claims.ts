/** Claim selection, refusals by id, batch claims and lease tokens. */
import { expect } from "vitest";
import { expectRefusedUnchanged, refusal, snapshot } from "./harness.js";
import type { Conformance } from "./harness.js";

export function claimTests(c: Conformance): void {
  c.test("claim takes tasks reserved for the agent first, then by priority, then oldest", async () => {
    const { board, clock } = await c.open();
    const add = async (title: string, extra: object = {}): Promise<string> => {
      clock.advanceMs(1);
      return (await board.add({ title, ...extra })).id;
    };
    const oldLow = await add("old low", { priority: "low" });
    const mediumOld = await add("medium old");
    const critical = await add("critical", { priority: "critical" });
    const mediumNew = await add("medium new");
    const high = await add("high", { priority: "high" });
    const newLow = await add("new low", { priority: "low" });
    const reservedLow = await add("reserved for A", { priority: "low", assignedTo: "A" });
    await add("reserved for B", { priority: "critical", assignedTo: "B" });
    const order: string[] = [];
    for (let i = 0; i < 7; i++) order.push((await board.claim({ agent: "A" })).task.id);
    expect(order).toEqual([reservedLow, critical, high, mediumOld, mediumNew, oldLow, newLow]);
    const error = await refusal(board.claim({ agent: "A" }));
    expect(error.code).toBe("NOTHING_READY");
    expect(error.message).toContain("nothing ready for A");
    expect((await board.claim({ agent: "B" })).task.title).toBe("reserved for B");
  });

  c.test("tasks created together (same millisecond) are claimed and listed in natural id order: T-9 before T-10", async () => {
    const { board } = await c.open();
    const created = await board.addMany(Array.from({ length: 12 }, (_, i) => ({ title: `step ${i + 1}` })));
    const ids = created.map((t) => t.id);
    expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => `T-${i + 1}`));
    expect((await board.list()).map((t) => t.id)).toEqual(ids);
    expect((await board.list({ status: "pending" })).map((t) => t.id)).toEqual(ids);
    expect((await board.ready()).map((t) => t.id)).toEqual(ids);
    expect((await board.next({ agent: "A" }))?.id).toBe("T-1");
    const order: string[] = [];
    for (let i = 0; i < 12; i++) order.push((await board.claim({ agent: "A" })).task.id);
    expect(order).toEqual(ids);
  });

  c.test("claim skips tasks whose needs the agent lacks", async () => {
    const { board, clock } = await c.open();
    const gpu = await board.add({ title: "train", priority: "critical", needs: ["gpu", "technical"] });
    clock.advanceMs(1);
    const plain = await board.add({ title: "write", priority: "low" });
    const first = await board.claim({ agent: "A", capabilities: ["technical"] });
    expect(first.task.id).toBe(plain.id);
    expect((await refusal(board.claim({ agent: "A", capabilities: ["technical"] }))).code).toBe("NOTHING_READY");
    // Capabilities registered once are used by claims that name none.
    await board.registerAgent("B", ["gpu", "technical", "content"]);
    const second = await board.claim({ agent: "B" });
    expect(second.task.id).toBe(gpu.id);
    expect(second.task.assignedTo).toBe("B");
  });

  c.test("claim looks past any number of better candidates that are blocked", async () => {
    const { board } = await c.open();
    const blocker = await board.add({ title: "blocker", needs: ["nobody-has-this"] });
    await board.addMany(Array.from({ length: 40 }, (_, i) => ({ title: `blocked ${i}`, priority: "critical" as const, dependsOn: [blocker.id] })));
    await board.addMany(Array.from({ length: 40 }, (_, i) => ({ title: `needs gpu ${i}`, priority: "high" as const, needs: ["gpu"] })));
    await board.addMany(Array.from({ length: 40 }, (_, i) => ({ title: `reserved ${i}`, priority: "high" as const, assignedTo: "Z" })));
    const open = await board.add({ title: "the only one A may take", priority: "low" });
    const claim = await board.claim({ agent: "A" });
    expect(claim.task.id).toBe(open.id);
    expect(await board.next({ agent: "A" })).toBe(null);
  });

  c.test("NOTHING_READY names dead tasks and how to revive them, never only 'no open tasks'", async () => {
    const { board } = await c.open();
    const doomed = await board.add({ title: "doomed", maxAttempts: 1 });
    const held = await board.claim({ agent: "A" });
    await board.fail(doomed.id, { agent: "A", token: held.leaseToken, error: "boom" });
    expect((await board.get(doomed.id))?.status).toBe("dead");
    const hint = "which no agent gets until revived: see `baton list --status dead`, then `baton revive ID`";
    const alone = await expectRefusedUnchanged(board, () => board.claim({ agent: "A" }), "NOTHING_READY");
    expect(alone.message).toBe(`nothing ready for A: no open tasks, but 1 dead (${doomed.id}), ${hint}`);
    expect((await board.nothingReady("A")).message).toBe(alone.message);
    const blocked = await board.add({ title: "needs gpu", needs: ["gpu"] });
    const both = await refusal(board.claim({ agent: "A" }));
    expect(both.message).toBe(
      "nothing ready for A: 1 pending (blocked by dependencies, reservations or capabilities); wait and retry, " +
        `or see \`baton list\`; and 1 dead (${doomed.id}), ${hint}`,
    );
    expect((await board.get(blocked.id))?.status).toBe("pending");
  });

  c.test("claim on a board with nothing that fits is NOTHING_READY and changes no task", async () => {
    const { board } = await c.open();
    const empty = await expectRefusedUnchanged(board, () => board.claim({ agent: "A" }), "NOTHING_READY");
    expect(empty.message).toBe("nothing ready for A: the board has no open tasks");
    await board.add({ title: "needs content", needs: ["content"] });
    const before = await snapshot(board);
    const blocked = await refusal(board.claim({ agent: "A", capabilities: ["technical"] }));
    expect(blocked.code).toBe("NOTHING_READY");
    expect(blocked.message).toContain("1 pending");
    expect((await snapshot(board)).tasks).toEqual(before.tasks);
    expect((await snapshot(board)).events).toEqual(before.events);
  });

  c.test("claim by id refuses with the precise reason and changes nothing", async () => {
    const { board } = await c.open();
    const held = await board.add({ title: "held" });
    await board.claim({ agent: "A", ids: [held.id] });
    const reserved = await board.add({ title: "reserved", assignedTo: "C" });
    const gpu = await board.add({ title: "gpu", needs: ["gpu"] });
    const done = await board.add({ title: "done" });
    const doneClaim = await board.claim({ agent: "A", ids: [done.id] });
    await board.complete(done.id, { token: doneClaim.leaseToken });
    const cancelled = await board.add({ title: "cancelled" });
    await board.cancel(cancelled.id);
    const open = await board.add({ title: "open dependency" });
    const blocked = await board.add({ title: "blocked", dependsOn: [done.id, open.id, held.id] });

    const missing = await expectRefusedUnchanged(board, () => board.claim({ agent: "B", ids: ["T-999"] }), "NOT_FOUND");
    expect(missing.message).toContain("T-999");

    const heldError = await expectRefusedUnchanged(board, () => board.claim({ agent: "B", ids: [held.id] }), "CONFLICT");
    expect(heldError.message).toBe(`${held.id} is already held by A`);
    expect(heldError.details).toMatchObject({ reason: "held", assignedTo: "A" });

    const reservedError = await expectRefusedUnchanged(
      board,
      () => board.claim({ agent: "B", ids: [reserved.id] }),
      "CONFLICT",
    );
    expect(reservedError.message).toBe(`${reserved.id} is reserved for C`);

    const capability = await expectRefusedUnchanged(
      board,
      () => board.claim({ agent: "B", ids: [gpu.id], capabilities: ["technical"] }),
      "CONFLICT",
    );
    expect(capability.message).toContain("B lacks capability gpu");
    expect(capability.details).toMatchObject({ reason: "capability", missing: ["gpu"] });

    for (const finished of [done, cancelled]) {
      const error = await expectRefusedUnchanged(board, () => board.claim({ agent: "B", ids: [finished.id] }), "CONFLICT");
      expect(error.details).toMatchObject({ reason: "finished" });
      expect(error.message).toContain(finished.id === done.id ? "is completed" : "is cancelled");
    }

    const notReady = await expectRefusedUnchanged(board, () => board.claim({ agent: "B", ids: [blocked.id] }), "NOT_READY");
    expect(notReady.message).toBe(`${blocked.id} is not ready: waiting for ${open.id} (pending), ${held.id} (in progress)`);
    expect(notReady.details.unfinished).toEqual([
      { id: open.id, status: "pending" },
      { id: held.id, status: "in_progress" },
    ]);
  });

  c.test("batch claim is all or nothing: one bad id claims none", async () => {
    const { board } = await c.open();
    const [a, b, held] = await board.addMany([{ title: "a" }, { title: "b" }, { title: "held" }]);
    await board.claim({ agent: "X", ids: [held!.id] });
    const conflict = await expectRefusedUnchanged(
      board,
      () => board.claimBatch({ agent: "A", ids: [a!.id, b!.id, held!.id] }),
      "CONFLICT",
    );
    expect(conflict.message).toBe(`${held!.id} is already held by X`);
    await expectRefusedUnchanged(board, () => board.claimBatch({ agent: "A", ids: [a!.id, "T-404", b!.id] }), "NOT_FOUND");
    expect((await board.list({ status: "pending" })).map((t) => t.id)).toEqual([a!.id, b!.id]);

    const claims = await board.claimBatch({ agent: "A", ids: [a!.id, b!.id] });
    expect(claims.map((cl) => [cl.task.id, cl.task.status, cl.task.assignedTo])).toEqual([
      [a!.id, "in_progress", "A"],
      [b!.id, "in_progress", "A"],
    ]);
    expect(claims[1]!.leaseToken).toBeGreaterThan(claims[0]!.leaseToken);
    expect((await board.audit({ type: "CLAIMED" })).length).toBe(3);
  });

  c.test("a refused batch claim names every id and its reason (seed 000's {assigned, failed}), claiming none", async () => {
    const { board } = await c.open();
    const [free, held, blocker] = await board.addMany([{ title: "free" }, { title: "held" }, { title: "blocker" }]);
    const waiting = await board.add({ title: "waiting", dependsOn: [blocker!.id] });
    await board.claim({ agent: "X", ids: [held!.id] });
    const ids = [free!.id, held!.id, "T-404", waiting.id];
    const error = await expectRefusedUnchanged(board, () => board.claimBatch({ agent: "A", ids }), "CONFLICT");
    expect(error.message).toBe(
      `claimed none of ${ids.join(", ")} (all or nothing): ${held!.id} is already held by X; ` +
        "task T-404 not found (see `baton list` for the tasks on this board); " +
        `${waiting.id} is not ready: waiting for ${blocker!.id} (pending)`,
    );
    expect(error.details.assigned).toEqual([]);
    expect(error.details.failed).toEqual([
      { id: held!.id, code: "CONFLICT", reason: `${held!.id} is already held by X` },
      { id: "T-404", code: "NOT_FOUND", reason: "task T-404 not found (see `baton list` for the tasks on this board)" },
      { id: waiting.id, code: "NOT_READY", reason: `${waiting.id} is not ready: waiting for ${blocker!.id} (pending)` },
    ]);
  });

  c.test("every claim carries a lease token strictly greater than every earlier one", async () => {
    const { board } = await c.open();
    await board.addMany(Array.from({ length: 6 }, (_, i) => ({ title: `task ${i}` })));
    const tokens: number[] = [];
    const first = await board.claim({ agent: "A" });
    tokens.push(first.leaseToken);
    expect(first.task.leaseToken).toBe(first.leaseToken);
    await board.release(first.task.id, { token: first.leaseToken });
    const again = await board.claim({ agent: "B", ids: [first.task.id] });
    tokens.push(again.leaseToken);
    for (const claim of await board.claimBatch({ agent: "C", ids: ["T-2", "T-3"] })) tokens.push(claim.leaseToken);
    const completed = await board.claim({ agent: "D" });
    tokens.push(completed.leaseToken);
    await board.complete(completed.task.id, { token: completed.leaseToken });
    tokens.push((await board.claim({ agent: "E" })).leaseToken);
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]!);
    const claimed = (await board.audit({ type: "CLAIMED" })).map((e) => e.data.leaseToken);
    expect(claimed).toEqual(tokens);
  });
}

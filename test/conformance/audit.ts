/** Audit completeness: one event per state change, and replay reproduces every task. */
import { expect } from "vitest";
import { checkBoard, expectReplayMatches } from "./checks.js";
import { lastSeq, refusal } from "./harness.js";
import { BatonError } from "../../src/index.js";
import type { Board, BoardEvent } from "../../src/index.js";
import type { Conformance } from "./harness.js";

export function auditTests(c: Conformance): void {
  c.test("every state change appends exactly one event of its type, and a refusal appends none", async () => {
    const { board, clock } = await c.open();
    /** Runs one operation and returns the [type, taskId, agentId, from, to] of the events it appended. */
    const step = async (op: () => Promise<unknown>): Promise<(string | null)[][]> => {
      const after = await lastSeq(board);
      await op();
      return (await board.audit({ afterSeq: after })).map((e: BoardEvent) => [e.type, e.taskId, e.agentId, e.from, e.to]);
    };
    expect(await step(() => board.add({ title: "one" }, { agent: "P" }))).toEqual([["CREATED", "T-1", "P", null, "pending"]]);
    expect(await step(() => board.addMany([{ title: "two" }, { title: "three" }, { title: "four" }]))).toEqual([
      ["CREATED", "T-2", null, null, "pending"],
      ["CREATED", "T-3", null, null, "pending"],
      ["CREATED", "T-4", null, null, "pending"],
    ]);
    expect(await step(() => board.update("T-1", { priority: "high" }, { agent: "P" }))).toEqual([
      ["UPDATED", "T-1", "P", "pending", "pending"],
    ]);
    expect(await step(() => board.assign("T-4", "Z", { agent: "P" }))).toEqual([["ASSIGNED", "T-4", "P", "pending", "pending"]]);
    let token = 0;
    expect(
      await step(async () => {
        token = (await board.claim({ agent: "A", ids: ["T-1"], leaseSeconds: 60 })).leaseToken;
      }),
    ).toEqual([["CLAIMED", "T-1", "A", "pending", "in_progress"]]);
    expect(await step(() => board.heartbeat("T-1", { token }))).toEqual([["HEARTBEAT", "T-1", "A", "in_progress", "in_progress"]]);
    expect(await step(() => board.complete("T-1", { token }))).toEqual([["COMPLETED", "T-1", "A", "in_progress", "completed"]]);
    // A repeated done with the same token (a network retry) answers the task and appends nothing;
    // a done with a token that never held it is refused and appends nothing either.
    expect(await step(() => board.complete("T-1", { token }))).toEqual([]);
    expect(await step(() => refusal(board.complete("T-1", { token: token + 1000 })))).toEqual([]);
    expect(await step(() => refusal(board.claim({ agent: "A", ids: ["T-4"] })))).toEqual([]);
    const batch = await step(async () => {
      const claims = await board.claimBatch({ agent: "B", ids: ["T-2", "T-3"], leaseSeconds: 60 });
      await board.fail("T-2", { token: claims[0]!.leaseToken, error: "broke" });
      await board.release("T-3", { agent: "B" });
    });
    expect(batch).toEqual([
      ["CLAIMED", "T-2", "B", "pending", "in_progress"],
      ["CLAIMED", "T-3", "B", "pending", "in_progress"],
      ["FAILED", "T-2", "B", "in_progress", "failed"],
      ["RELEASED", "T-3", "B", "in_progress", "pending"],
    ]);
    expect(await step(() => board.cancel("T-2", { agent: "P", reason: "obsolete" }))).toEqual([
      ["CANCELLED", "T-2", "P", "failed", "cancelled"],
    ]);
    expect(await step(() => board.revive("T-2", { agent: "P" }))).toEqual([["REVIVED", "T-2", "P", "cancelled", "pending"]]);
    expect(await step(() => board.reserve("SEC", 2, { agent: "P" }))).toEqual([["IDS_RESERVED", null, "P", null, null]]);
    await board.claim({ agent: "C", ids: ["T-3"], leaseSeconds: 10 });
    clock.advanceSeconds(10);
    expect(await step(() => board.heal())).toEqual([["TIMEOUT", "T-3", "C", "in_progress", "pending"]]);
    expect(await step(() => board.heal())).toEqual([]);
    await checkBoard(board);
  });

  c.test("events are append-only: later operations never edit or drop earlier events", async () => {
    const { board, clock } = await c.open();
    await mixedWorkload(board, clock, 40, 7);
    const before = await board.audit();
    await mixedWorkload(board, clock, 40, 8);
    const after = await board.audit();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBeGreaterThan(before.length);
  });

  c.test("replaying each task's events reproduces the stored task after a mixed workload", async () => {
    const { board, clock } = await c.open({ policy: { maxAttempts: 3 } });
    const counts = await mixedWorkload(board, clock, 200, 42);
    // The workload must actually have exercised the paths whose replay could go wrong.
    for (const type of ["CLAIMED", "COMPLETED", "FAILED", "RELEASED", "TIMEOUT", "HEARTBEAT", "UPDATED", "CANCELLED"]) {
      expect(counts.get(type) ?? 0, type).toBeGreaterThan(0);
    }
    const { tasks, events } = await checkBoard(board);
    expectReplayMatches(tasks, events);
  });
}

/**
 * A deterministic mix of every operation (seeded), for audit tests. Returns event counts by
 * type. Refusals are expected along the way (stale tokens, nothing ready) and ignored.
 */
export async function mixedWorkload(
  board: Board,
  clock: { advanceSeconds(s: number): void },
  steps: number,
  seed: number,
): Promise<Map<string, number>> {
  let state = seed;
  const rand = (n: number): number => {
    // An LCG's low bits cycle with a short period; use the high ones.
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor(state / 65536) % n;
  };
  const agents = ["A", "B", "C"];
  const held: { id: string; token: number }[] = [];
  for (let i = 0; i < steps; i++) {
    const agent = agents[rand(agents.length)] as string;
    const op = rand(10);
    try {
      if (op <= 1) {
        const tasks = await board.list();
        const deps = tasks.length > 0 && rand(3) === 0 ? [tasks[rand(tasks.length)]!.id] : [];
        await board.add({ title: `task ${i}`, priority: (["low", "medium", "high", "critical"] as const)[rand(4)], dependsOn: deps });
      } else if (op <= 3) {
        const claim = await board.claim({ agent, leaseSeconds: 60 + rand(120) });
        held.push({ id: claim.task.id, token: claim.leaseToken });
      } else if (op <= 7 && held.length > 0) {
        const { id, token } = held.splice(rand(held.length), 1)[0]!;
        const verb = rand(5);
        if (verb === 0) await board.fail(id, { token, error: `error ${i}` });
        else if (verb === 1) await board.release(id, { token });
        else if (verb === 2) {
          await board.heartbeat(id, { token, leaseSeconds: 90, note: `step ${i}` });
          held.push({ id, token });
        } else await board.complete(id, { token, result: `result ${i}` });
      } else if (op === 8) {
        clock.advanceSeconds(rand(400));
        if (rand(2) === 0) await board.heal();
      } else {
        const tasks = await board.list({ status: ["pending", "failed"] });
        const task = tasks.length > 0 ? tasks[rand(tasks.length)] : undefined;
        if (task && rand(3) === 0) await board.cancel(task.id, { agent, reason: "no longer needed" });
        else if (task) await board.update(task.id, { title: `${task.title} (edited)`, priority: "high" });
      }
    } catch (error) {
      if (!(error instanceof BatonError)) throw error;
    }
  }
  const counts = new Map<string, number>();
  for (const event of await board.audit()) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  return counts;
}

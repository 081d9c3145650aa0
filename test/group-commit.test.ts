/**
 * Group commit (src/store/group-commit.ts over the SQLite store's transactionBatch): writes
 * that arrive together share one store transaction, yet each keeps its own outcome — one that
 * fails leaves the others committed and only its own writes undone — and the board ends
 * exactly as it would have unbatched.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { Board } from "../src/board.js";
import { GroupCommitStore } from "../src/store/group-commit.js";
import { openStore } from "../src/store/open.js";
import type { Store } from "../src/store/store.js";

const opened: Board[] = [];
afterEach(async () => {
  for (const board of opened.splice(0)) await board.close();
});

async function freshStore(): Promise<Store> {
  return openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), "baton-group-")), "board.db")}`);
}

function boardOn(store: Store, clock: { ms: number }): Board {
  const board = new Board(store, { clock: () => clock.ms, random: () => 0.5 });
  opened.push(board);
  return board;
}

test("a failing operation in a batch has only its own writes undone; the others commit with their own outcomes", async () => {
  const clock = { ms: Date.parse("2030-01-01T00:00:00.000Z") };
  const store = new GroupCommitStore(await freshStore());
  const board = boardOn(store, clock);
  await board.addMany(Array.from({ length: 6 }, (_, i) => ({ title: `t${i + 1}` })));
  const before = await board.get("T-6");
  const outcomes = await Promise.allSettled([
    board.claim({ agent: "A" }),
    board.claim({ agent: "B" }),
    // Writes, then throws: its update and its event must vanish, nothing else.
    store.transaction(async (tx) => {
      const task = (await tx.getTask("T-6"))!;
      await tx.updateTask({ ...task, title: "half-written", version: task.version + 1 }, task);
      await tx.appendEvent({ at: new Date(clock.ms).toISOString(), type: "NOTE", taskId: "T-6", agentId: "X", from: null, to: null, details: "never", data: {} });
      throw new Error("the operation failed after writing");
    }),
    board.claim({ agent: "C", ids: ["T-404"] }),
    board.claim({ agent: "D" }),
    board.update("T-5", { priority: "low" }, { expectedVersion: 9 }),
    board.update("T-5", { priority: "high" }, { expectedVersion: 1 }),
  ]);
  expect(store.counts.largest).toBeGreaterThan(1); // they really shared a transaction
  expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected", "fulfilled", "rejected", "fulfilled"]);
  const reasons = outcomes.flatMap((o) => (o.status === "rejected" ? [(o.reason as { code?: string; message: string }).code ?? (o.reason as Error).message] : []));
  expect(reasons).toEqual(["the operation failed after writing", "NOT_FOUND", "VERSION_MISMATCH"]);
  const claimed = outcomes.flatMap((o) => (o.status === "fulfilled" && "task" in (o.value as object) ? [(o.value as { task: { id: string; assignedTo: string } }).task] : []));
  expect(claimed.map((t) => [t.id, t.assignedTo])).toEqual([["T-1", "A"], ["T-2", "B"], ["T-3", "D"]]);
  expect(await board.get("T-6")).toEqual(before);
  expect(await board.audit({ type: "NOTE" })).toEqual([]);
  expect((await board.get("T-5")).priority).toBe("high");
  expect((await board.audit()).map((e) => e.type)).toEqual([...Array(6).fill("CREATED"), "CLAIMED", "CLAIMED", "CLAIMED", "UPDATED"]);
});

/**
 * Waves of concurrent operations — claims, completions with good and stale tokens, failures,
 * edits with current and stale versions, additions — run on two boards, one behind group
 * commit: every outcome and the final board (tasks, events, tokens) are identical.
 */
test("outcomes and the final board equal the unbatched ones", async () => {
  const run = async (batched: boolean) => {
    const clock = { ms: Date.parse("2030-01-01T00:00:00.000Z") };
    const inner = await freshStore();
    const store = batched ? new GroupCommitStore(inner) : inner;
    const board = boardOn(store, clock);
    await board.addMany(Array.from({ length: 40 }, (_, i) => ({ title: `t${i + 1}`, needs: i % 4 === 0 ? ["gpu"] : [] })));
    const outcomes: unknown[] = [];
    const held: { id: string; token: number }[] = [];
    for (let wave = 0; wave < 6; wave++) {
      clock.ms += 1000;
      const ops: Promise<unknown>[] = [];
      for (let a = 0; a < 8; a++) ops.push(board.claim({ agent: `agent-${a}`, capabilities: a % 2 ? ["gpu"] : [] }).then((c) => (held.push({ id: c.task.id, token: c.leaseToken }), c)));
      for (const [i, h] of held.splice(0, 6).entries()) {
        if (i % 3 === 0) ops.push(board.complete(h.id, { token: h.token + (i === 3 ? 1000 : 0) }));
        else if (i % 3 === 1) ops.push(board.fail(h.id, { token: h.token, error: `wave ${wave}` }));
        else ops.push(board.heartbeat(h.id, { token: h.token }));
      }
      ops.push(board.update(`T-${40 - wave}`, { priority: "critical" }, { expectedVersion: wave % 2 ? 1 : 7 }));
      ops.push(board.add({ title: `added in wave ${wave}`, dependsOn: wave % 2 ? ["T-1"] : ["T-999"] }));
      for (const o of await Promise.allSettled(ops)) {
        outcomes.push(o.status === "fulfilled" ? o.value : { refused: (o.reason as { code?: string }).code });
      }
    }
    const final = { tasks: await board.list(), events: await board.audit() };
    return { outcomes, final, counts: batched ? (store as GroupCommitStore).counts : null };
  };
  const plain = await run(false);
  const grouped = await run(true);
  expect(grouped.counts!.batches).toBeLessThan(grouped.counts!.operations); // batches did form
  expect(grouped.outcomes).toEqual(plain.outcomes);
  expect(grouped.final).toEqual(plain.final);
  expect(plain.outcomes.filter((o) => (o as { refused?: string }).refused).length).toBeGreaterThan(5);
});

/**
 * Requests that arrive together reach the store each from its own I/O callback, and a SQLite
 * commit is synchronous: committed at once, the first was done before the second was even
 * read, and every batch held one write. Immediates queued together run as separate callbacks
 * of one event-loop turn (microtasks run between them), as socket reads do; one queued while
 * they run waits for the next turn. (Timers would not do: eight setTimeout(0) calls that
 * straddle a millisecond fire in two turns, which failed this test once in CI.)
 */
test("writes started from separate callbacks of one event-loop turn share one batch", async () => {
  const clock = { ms: Date.parse("2030-01-01T00:00:00.000Z") };
  const store = new GroupCommitStore(await freshStore());
  const board = boardOn(store, clock);
  await board.addMany(Array.from({ length: 8 }, (_, i) => ({ title: `t${i + 1}` })));
  const before = { ...store.counts };
  const claims = await Promise.all(
    Array.from({ length: 8 }, (_, i) => new Promise<string>((resolve, reject) => setImmediate(() => board.claim({ agent: `agent-${i}` }).then((c) => resolve(c.task.id), reject)))),
  );
  expect(claims.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `T-${i + 1}`).sort());
  expect({ batches: store.counts.batches - before.batches, operations: store.counts.operations - before.operations }).toEqual({ batches: 1, operations: 8 });
  expect((await board.audit({ type: "CLAIMED" })).length).toBe(8);
});

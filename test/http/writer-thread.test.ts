/**
 * serve's writer thread (src/http/writer-thread.ts): agents' writes run in a worker thread on
 * its own connection and come back as the same values and the same errors (a BatonError with
 * its code, so its HTTP status is unchanged); 64 writes at once are group-committed there; a
 * board that cannot open refuses the start with the store's own error; a write under way when
 * the thread dies is answered (STORE_UNAVAILABLE), never left waiting, and later writes run
 * on the main thread's board. Runs the compiled
 * thread from dist/ (a worker thread cannot load TypeScript), as `baton serve` does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { BatonError, ErrorCode } from "../../src/core/errors.js";
import { openBoard } from "../../dist/src/index.js";
import { WriterThread } from "../../dist/src/http/writer-thread.js";

const dir = mkdtempSync(join(tmpdir(), "baton-writer-thread-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = (): void => {};

test("claims and completions made in the thread are on the board, each once, batched by group commit", async () => {
  const url = `sqlite:${join(dir, "race.db")}`;
  const local = await openBoard(url);
  await local.addMany(Array.from({ length: 64 }, (_, i) => ({ title: `t${i}` })));
  const thread = await WriterThread.start(url, undefined, quiet);
  try {
    const board = thread.boardFor(local);
    const claims = await Promise.all(Array.from({ length: 64 }, (_, i) => board.claim({ agent: `agent-${i}` })));
    expect(new Set(claims.map((c) => c.task.id)).size).toBe(64);
    const done = await Promise.all(claims.map((c) => board.complete(c.task.id, { token: c.leaseToken })));
    expect(done.every((t) => t.status === "completed")).toBe(true);
    // Read on the main thread's own connection: the thread's commits are there.
    expect(await local.list({ status: "completed", limit: 100 })).toHaveLength(64);
    const counts = await thread.counts();
    expect(counts.operations).toBe(128);
    expect(counts.batches).toBeLessThan(128);
    // Everything but the agents' writes stays on the main thread's board.
    expect(board.list).toBe(local.list);
  } finally {
    await thread.close();
    await local.close();
  }
});

test("a refusal in the thread comes back as the same BatonError, and the board is unchanged", async () => {
  const url = `sqlite:${join(dir, "refusal.db")}`;
  const local = await openBoard(url);
  await local.add({ title: "held" });
  const thread = await WriterThread.start(url, undefined, quiet);
  try {
    const board = thread.boardFor(local);
    const claim = await board.claim({ agent: "holder" });
    const before = await local.get(claim.task.id);
    const refused = await board.complete(claim.task.id, { token: claim.leaseToken + 100 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BatonError);
    expect((refused as BatonError).code).toBe(ErrorCode.LEASE_LOST);
    expect(await local.get(claim.task.id)).toEqual(before);
    const nothing = await board.claim({ agent: "other" }).catch((error: unknown) => error);
    expect((nothing as BatonError).code).toBe(ErrorCode.NOTHING_READY);
  } finally {
    await thread.close();
    await local.close();
  }
});

test("a board the thread cannot open refuses the start with the store's error", async () => {
  const missing = `sqlite:${join(dir, "no-such-dir", "board.db")}`;
  const refused = await WriterThread.start(missing, undefined, quiet).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(BatonError);
  expect((refused as BatonError).code).toBe(ErrorCode.NOT_FOUND);
  expect((refused as BatonError).message).toMatch(/no board at .*no-such-dir/);
});

test("a write under way when the thread dies is refused with STORE_UNAVAILABLE; later writes run on the main thread", async () => {
  const url = `sqlite:${join(dir, "dies.db")}`;
  const local = await openBoard(url);
  await local.addMany([{ title: "t1" }, { title: "t2" }]);
  const logged: string[] = [];
  const thread = await WriterThread.start(url, undefined, (m) => logged.push(m));
  try {
    const board = thread.boardFor(local);
    // The thread's worker, ended from outside as a crash inside it would end it, while a claim
    // is on its way to it: that claim is answered, never left waiting.
    const underWay = board.claim({ agent: "a" }).catch((error: unknown) => error);
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const outcome = await underWay;
    if (outcome instanceof Error) expect((outcome as BatonError).code).toBe(ErrorCode.STORE_UNAVAILABLE);
    expect(logged.join("\n")).toMatch(/writer thread exited.*main thread from now on/);
    const next = await board.claim({ agent: "b" });
    expect(next.task.assignedTo).toBe("b");
    expect(board.claim).toBe(local.claim);
    const held = (await local.list({ status: "in_progress" })).map((t) => t.assignedTo).sort();
    expect(held).toEqual(outcome instanceof Error ? ["b"] : ["a", "b"]);
  } finally {
    await thread.close();
    await local.close();
  }
});

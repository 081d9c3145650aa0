/**
 * A long-running process on a SQLite board another process holds locked: its event loop keeps
 * turning (timers fire, an MCP server answers ping and reads, its session heartbeats), and its
 * own write completes once the lock frees. And reads never wait for a writer, not even one of
 * their own process.
 *
 * The lock is held by this test process through a raw connection (BEGIN IMMEDIATE); the
 * process under test is a child. No timing is asserted beyond generous bounds: a process that
 * blocks while waiting fires no timer at all during the hold, and answers no ping.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { connect } from "../mcp/mcp-client.js";
import { spawnWorker } from "../support/processes.js";
import type { LockedTimerResult } from "../workers/locked-timer.js";

const HOLD_MS = 3000;
const root = mkdtempSync(join(tmpdir(), "baton-long-running-"));
let boards = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function freshBoard(): Promise<{ path: string; url: string }> {
  const path = join(mkdtempSync(join(root, `board-${++boards}-`)), "board.db");
  const url = `sqlite:${path}`;
  await (await openBoard(url)).close();
  return { path, url };
}

/** Takes the board's write lock from this process, as another writer in a long transaction would. */
function holdLock(path: string): { release(): void } {
  const db = new Database(path, { timeout: 5000 });
  db.exec("BEGIN IMMEDIATE");
  return {
    release: () => {
      db.exec("COMMIT");
      db.close();
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or "timeout" if it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("a long-running process on a locked SQLite board", () => {
  it("a library process keeps firing its timers while its write waits, and the write lands once the lock frees", async () => {
    const { path, url } = await freshBoard();
    const worker = spawnWorker("locked-timer", { url, tickMs: 20 });
    await worker.ready;
    const lock = holdLock(path);
    worker.go();
    await sleep(HOLD_MS);
    const whileHeld = await openBoard(url);
    const titlesWhileHeld = (await whileHeld.list()).map((t) => t.title);
    await whileHeld.close();
    lock.release();
    const exit = await worker.exited;
    expect(exit.code, exit.stderr).toBe(0);
    const result = exit.result as LockedTimerResult;
    // 3 s of 20 ms ticks is ~150; a blocked process fires none while it waits.
    expect(result.latenessWhileWaiting.length).toBeGreaterThanOrEqual(15);
    // The target is 50 ms; the bound is loose because the test machine may be loaded.
    expect(Math.max(...result.latenessWhileWaiting)).toBeLessThan(1000);
    expect(titlesWhileHeld).toEqual(["opened and warm"]);
    const board = await openBoard(url);
    expect((await board.get(result.addedId)).title).toBe("written once the lock frees");
    await board.close();
  });

  it("an MCP server answers ping and reads while a write waits, its session heartbeats, and the write lands after", async () => {
    const { path, url } = await freshBoard();
    const setup = await openBoard(url);
    const task = await setup.add({ title: "held across the lock" });
    await setup.close();
    const mcp = await connect(url, "agent-1");
    try {
      const claimed = await mcp.call("claim_task", { lease_seconds: 6 });
      expect(claimed.isError, JSON.stringify(claimed.body)).toBe(false);
      const lock = holdLock(path);
      const heldAt = performance.now();
      // A write that must wait for the lock: in a blocking process, everything after it stalls.
      let writeAnswered = false;
      const write = mcp.call("heartbeat_task", { id: task.id }).finally(() => (writeAnswered = true));
      let pingsWhileWriteWaited = 0;
      let unanswered = 0;
      while (performance.now() - heldAt < HOLD_MS) {
        const pong = await within(mcp.client.ping(), 5000);
        if (pong === "timeout") {
          unanswered++;
          break;
        }
        if (!writeAnswered) pingsWhileWriteWaited++;
        await sleep(50);
      }
      const listed = await within(mcp.call("list_tasks", {}), 5000);
      const writeWaitedThroughout = !writeAnswered;
      lock.release();
      const beat = await write;
      expect(unanswered).toBe(0);
      expect(writeWaitedThroughout).toBe(true);
      expect(pingsWhileWriteWaited).toBeGreaterThanOrEqual(10);
      expect(listed).not.toBe("timeout");
      expect(listed !== "timeout" && listed.isError).toBe(false);
      expect(beat.isError).toBe(false);
      // The session's own beat (due 2 s into the 6 s lease, during the hold) went out and landed.
      const board = await openBoard(url);
      const deadline = Date.now() + 30_000;
      let beats = 0;
      while (beats < 2 && Date.now() < deadline) {
        beats = (await board.audit({ taskId: task.id, type: "HEARTBEAT" })).length;
        if (beats < 2) await sleep(100);
      }
      const after = await board.get(task.id);
      await board.close();
      expect(beats).toBeGreaterThanOrEqual(2);
      expect(after.status).toBe("in_progress");
      expect(after.assignedTo).toBe("agent-1");
    } finally {
      await mcp.close();
    }
  });

  it("a read in the same process answers at once while a write transaction is open", async () => {
    const { url } = await freshBoard();
    const board = await openBoard(url);
    try {
      await board.add({ title: "committed before" });
      let finish: () => void = () => {};
      const gate = new Promise<void>((resolve) => (finish = resolve));
      const write = board.store.transaction(async (tx) => {
        await tx.appendEvent({
          at: new Date().toISOString(),
          type: "UPDATED",
          taskId: null,
          agentId: null,
          from: null,
          to: null,
          details: "a long write",
          data: {},
        });
        await gate;
      });
      const listed = await within(board.list(), 10_000);
      finish();
      await write;
      expect(listed !== "timeout" && listed.map((t) => t.title)).toEqual(["committed before"]);
    } finally {
      await board.close();
    }
  });

  it("a read in the same process answers at once while its write waits for another process's lock", async () => {
    const { path, url } = await freshBoard();
    const board = await openBoard(url);
    try {
      await board.add({ title: "committed before" });
      const lock = holdLock(path);
      const write = board.add({ title: "waits for the lock" });
      const listed = await within(board.list(), 10_000);
      lock.release();
      await write;
      expect(listed !== "timeout" && listed.map((t) => t.title)).toEqual(["committed before"]);
      expect((await board.list()).map((t) => t.title)).toEqual(["committed before", "waits for the lock"]);
    } finally {
      await board.close();
    }
  });
});

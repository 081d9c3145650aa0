/**
 * The MCP session's heartbeat loop (src/mcp/session.ts) on a fake clock: the board and the
 * session read the same injected time, so leases are renewed, retried and given up without
 * waiting real seconds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { Session } from "../../src/mcp/session.js";
import type { Board } from "../../src/index.js";
import type { SessionTimers } from "../../src/mcp/session.js";

const root = mkdtempSync(join(tmpdir(), "baton-session-"));
let boards = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A clock that moves only when told, and the timers that run on it. */
class FakeTimers implements SessionTimers {
  private time = Date.parse("2026-03-01T09:00:00.000Z");
  private pending = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;

  now = (): number => this.time;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.pending.set(id, { at: this.time + ms, fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => void this.pending.delete(handle as number);

  /** Moves the clock by `ms`, firing each timer that comes due on the way, in order. */
  async advance(ms: number, session: Session): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.pending].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].fn();
      await session.beatDue(); // the beat the timer started
    }
    this.time = until;
  }

  get scheduled(): number {
    return this.pending.size;
  }
}

async function setUp(): Promise<{ board: Board; timers: FakeTimers; session: Session; log: string[] }> {
  const timers = new FakeTimers();
  const board = await openBoard(`sqlite:${join(root, `board-${++boards}.db`)}`, { clock: timers.now });
  const log: string[] = [];
  const session = new Session(board, "agent-a", (line) => log.push(line), timers);
  return { board, timers, session, log };
}

describe("MCP session heartbeats on a fake clock", () => {
  it("renews a held lease every third of its length, for as long as the session lives", async () => {
    const { board, timers, session } = await setUp();
    try {
      await board.add({ title: "long job" });
      const { task } = await board.claim({ agent: "agent-a", leaseSeconds: 30 });
      session.hold(task, "agent-a", 30);
      await timers.advance(9_999, session);
      expect(await board.audit({ type: "HEARTBEAT" })).toEqual([]);
      await timers.advance(1, session);
      expect((await board.audit({ type: "HEARTBEAT" })).length).toBe(1);
      await timers.advance(50_000, session);
      // Beats at 10, 20, … 60 s: six, and the lease now runs to 90 s.
      expect((await board.audit({ type: "HEARTBEAT" })).length).toBe(6);
      expect(Date.parse((await board.get(task.id)).leaseExpiresAt as string)).toBe(Date.parse(task.leaseExpiresAt as string) + 60_000);
      await session.close();
      expect(timers.scheduled).toBe(0);
    } finally {
      await board.close();
    }
  });

  it("stops beating a lease the board says is lost, and keeps beating the others", async () => {
    const { board, timers, session, log } = await setUp();
    try {
      await board.addMany([{ title: "taken over" }, { title: "kept" }]);
      const lost = await board.claim({ agent: "agent-a", leaseSeconds: 30 });
      const kept = await board.claim({ agent: "agent-a", leaseSeconds: 30 });
      session.hold(lost.task, "agent-a", 30);
      session.hold(kept.task, "agent-a", 30);
      // The first lease ends behind the session's back: released, then claimed by agent-b.
      await board.release(lost.task.id, { token: lost.leaseToken });
      await board.claim({ agent: "agent-b", ids: [lost.task.id] });
      await timers.advance(30_000, session);
      const beats = await board.audit({ type: "HEARTBEAT" });
      expect(beats.map((e) => e.taskId)).toEqual([kept.task.id, kept.task.id, kept.task.id]);
      expect(session.held().find((l) => l.taskId === lost.task.id)?.lost).toBe(true);
      expect(log.some((line) => line.startsWith(`stopped heartbeating ${lost.task.id}`))).toBe(true);
      await session.close();
    } finally {
      await board.close();
    }
  });

  it("forgetting a lease cancels its beat", async () => {
    const { board, timers, session } = await setUp();
    try {
      await board.add({ title: "finished early" });
      const { task } = await board.claim({ agent: "agent-a", leaseSeconds: 30 });
      session.hold(task, "agent-a", 30);
      session.forget(task.id);
      expect(timers.scheduled).toBe(0);
      await timers.advance(60_000, session);
      expect(await board.audit({ type: "HEARTBEAT" })).toEqual([]);
      await session.close();
    } finally {
      await board.close();
    }
  });
});

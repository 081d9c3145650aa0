/**
 * The event hub (src/board/event-hub.ts) on a scripted store: one read serves every
 * subscriber, a push that lands during a read is not lost, subscribers start where they ask,
 * and a slow one is told it fell behind and still gets every event, without stalling others.
 */
import { describe, expect, it } from "vitest";
import { EventHub } from "../../src/board/event-hub.js";
import type { SubscribeOptions } from "../../src/board/event-hub.js";
import type { BoardEvent } from "../../src/core/task.js";
import type { EventQuery, Store, StoreReader } from "../../src/store/store.js";

function event(seq: number): BoardEvent {
  return { seq, at: "2026-01-01T00:00:00.000Z", type: "NOTE", taskId: "T-1", agentId: "A", from: null, to: null, details: "", data: {} };
}

/** A store of events only, with a push channel, that counts its event reads. */
function scriptedStore(): {
  store: Store;
  commit(seq: number): void;
  reads(): number;
  /** Runs once inside the next read, after its snapshot was taken. */
  duringNextRead(fn: () => void): void;
} {
  const committed: BoardEvent[] = [];
  const listeners = new Set<() => void>();
  let reads = 0;
  let during: (() => void) | null = null;
  const store = {
    kind: "sqlite",
    location: "scripted",
    subscribe: async (onEvent: () => void) => {
      listeners.add(onEvent);
      return async () => void listeners.delete(onEvent);
    },
    read: async <T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> => {
      reads++;
      const snapshot = [...committed];
      const hook = during;
      during = null;
      hook?.();
      const listEvents = async (q: EventQuery): Promise<BoardEvent[]> => {
        if (q.recent !== undefined) return snapshot.slice(-q.recent);
        return snapshot.filter((e) => e.seq > (q.afterSeq ?? 0)).slice(0, q.limit ?? Infinity);
      };
      return fn({ listEvents } as unknown as StoreReader);
    },
  } as unknown as Store;
  return {
    store,
    commit: (seq) => {
      committed.push(event(seq));
      for (const push of listeners) push();
    },
    reads: () => reads,
    duringNextRead: (fn) => (during = fn),
  };
}

/** Subscribes and collects what the subscription yields, in the background, until stopped. */
function collect(hub: EventHub, options: SubscribeOptions): { seqs: number[]; stop(): Promise<void> } {
  const seqs: number[] = [];
  const stopper = new AbortController();
  const running = (async () => {
    for await (const e of hub.events({ ...options, signal: stopper.signal })) seqs.push(e.seq);
  })();
  return {
    seqs,
    stop: async () => {
      stopper.abort();
      await running;
    },
  };
}

async function until(what: string, probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));
const HOUR = 3_600_000;

describe("event hub", () => {
  it("a push that lands during the hub's read is not lost: it reads again at once, not after the poll interval", async () => {
    const board = scriptedStore();
    const hub = new EventHub(board.store);
    const sub = collect(hub, { afterSeq: 0, pollMs: HOUR });
    await settle();
    // Event 1's push wakes the hub; event 2 commits while that read runs, after its snapshot.
    board.duringNextRead(() => board.commit(2));
    board.commit(1);
    await until("events 1 and 2", () => sub.seqs.length === 2, 2000);
    expect(sub.seqs).toEqual([1, 2]);
    await sub.stop();
    await hub.close();
  });

  it("one read feeds every subscriber: 50 live subscribers, one event, one read", async () => {
    const board = scriptedStore();
    const hub = new EventHub(board.store);
    const subs = Array.from({ length: 50 }, () => collect(hub, { afterSeq: 0, pollMs: HOUR }));
    await settle();
    const before = board.reads();
    board.commit(1);
    await until("every subscriber has event 1", () => subs.every((s) => s.seqs.length === 1));
    await settle();
    expect(board.reads() - before).toBe(1);
    for (const s of subs) expect(s.seqs).toEqual([1]);
    await Promise.all(subs.map((s) => s.stop()));
    await hub.close();
  });

  it("a subscriber starts after the seq it asks for, or from now on, and then gets pushed events", async () => {
    const board = scriptedStore();
    for (let seq = 1; seq <= 5; seq++) board.commit(seq);
    const hub = new EventHub(board.store);
    const live = collect(hub, { pollMs: HOUR });
    await settle();
    board.commit(6);
    await until("the live subscriber has event 6", () => live.seqs.length === 1);
    const resumed = collect(hub, { afterSeq: 2, pollMs: HOUR });
    await until("the resumed subscriber caught up", () => resumed.seqs.length === 4);
    board.commit(7);
    await until("both have event 7", () => live.seqs.length === 2 && resumed.seqs.length === 5);
    expect(live.seqs).toEqual([6, 7]);
    expect(resumed.seqs).toEqual([3, 4, 5, 6, 7]);
    await Promise.all([live.stop(), resumed.stop()]);
    await hub.close();
  });

  it("a slow subscriber is told it fell behind, does not stall the others, and still gets every event once, in order", async () => {
    const board = scriptedStore();
    const hub = new EventHub(board.store, { bufferLimit: 5 });
    const fast = collect(hub, { afterSeq: 0, pollMs: HOUR });
    const behind: number[] = [];
    const slow = hub.events({ afterSeq: 0, pollMs: HOUR, onBehind: (seq) => behind.push(seq) });
    const first = slow.next(); // the generator subscribes on its first next()
    await settle();
    board.commit(1);
    expect((await first).value?.seq).toBe(1);
    await until("the fast subscriber has event 1", () => fast.seqs.length === 1);
    await settle();
    // One event per hub read (each commit's push wakes it): 2..20 pile up in the slow buffer.
    for (let seq = 2; seq <= 20; seq++) {
      board.commit(seq);
      await until(`the fast subscriber has event ${seq}`, () => fast.seqs.length === seq);
    }
    expect(behind.length).toBeGreaterThanOrEqual(1);
    const rest: number[] = [];
    for (let seq = 2; seq <= 20; seq++) rest.push(((await slow.next()).value as BoardEvent).seq);
    expect(rest).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
    board.commit(21);
    expect(((await slow.next()).value as BoardEvent).seq).toBe(21);
    await until("the fast subscriber has event 21", () => fast.seqs.length === 21);
    expect(fast.seqs).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    await slow.return(undefined);
    await fast.stop();
    await hub.close();
  });

  it("close ends every subscription", async () => {
    const board = scriptedStore();
    const hub = new EventHub(board.store);
    const subs = Array.from({ length: 3 }, () => collect(hub, { afterSeq: 0, pollMs: HOUR }));
    await settle();
    await hub.close();
    await Promise.all(subs.map((s) => s.stop()));
    board.commit(1);
    for (const s of subs) expect(s.seqs).toEqual([]);
  });
});

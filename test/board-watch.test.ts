/**
 * board.watch's wake-ups, on a scripted store: a push that arrives while the watcher is
 * reading must not be lost (the read may have started before the commit it announces).
 */
import { describe, expect, it } from "vitest";
import { watchEvents } from "../src/board/watch.js";
import type { BoardEvent } from "../src/core/task.js";
import type { Store, StoreReader } from "../src/store/store.js";

function event(seq: number): BoardEvent {
  return { seq, at: "2026-01-01T00:00:00.000Z", type: "NOTE", taskId: "T-1", agentId: "A", from: null, to: null, details: "", data: {} };
}

describe("board.watch", () => {
  it("a push that lands during a read wakes the watcher at once, not after the poll interval", async () => {
    const committed: BoardEvent[] = [];
    let push: () => void = () => {};
    let reads = 0;
    const store = {
      kind: "sqlite",
      location: "scripted",
      subscribe: async (onEvent: () => void) => {
        push = onEvent;
        return async () => {};
      },
      read: async <T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> => {
        reads++;
        // The read's snapshot is taken now; on the first read, an event commits right after
        // it and its push arrives while the read is still running.
        const snapshot = [...committed];
        if (reads === 1) {
          committed.push(event(1));
          push();
        }
        const tx = { listEvents: async (q: { afterSeq?: number }) => snapshot.filter((e) => e.seq > (q.afterSeq ?? 0)) };
        return fn(tx as unknown as StoreReader);
      },
    } as unknown as Store;

    const watcher = watchEvents(store, { afterSeq: 0, pollMs: 3_600_000 });
    const first = await Promise.race([
      watcher.next(),
      new Promise((resolve) => setTimeout(() => resolve("still waiting after 2 s"), 2000)),
    ]);
    expect(first).toEqual({ done: false, value: event(1) });
    expect(reads).toBe(2);
    await watcher.return(undefined);
  });
});

/**
 * StoreReader.countOutcomes (the throughput chart): the store's aggregate query gives exactly
 * what a walk of the whole audit trail, page by page, counts, on a random board.
 */
import { expect } from "vitest";
import { mixedWorkload } from "./audit.js";
import type { Board, BoardEvent, OutcomeBucket } from "../../src/index.js";
import type { Conformance } from "./harness.js";

/** The reference: every event, newest first 50 at a time, bucketed here. */
async function walkedOutcomes(board: Board, since: string, bucketMs: number): Promise<OutcomeBucket[]> {
  const start = Date.parse(since);
  const buckets = new Map<number, OutcomeBucket>();
  let before: number | undefined;
  for (;;) {
    const page: BoardEvent[] = await board.audit({ recent: 50, ...(before !== undefined && { beforeSeq: before }) });
    if (page.length === 0) break;
    for (const event of page) {
      const at = Date.parse(event.at);
      if ((event.type !== "COMPLETED" && event.type !== "FAILED") || at < start) continue;
      const n = Math.floor((at - start) / bucketMs);
      const bucket = buckets.get(n) ?? { bucket: n, completed: 0, failed: 0 };
      if (event.type === "COMPLETED") bucket.completed++;
      else bucket.failed++;
      buckets.set(n, bucket);
    }
    before = (page[0] as BoardEvent).seq;
  }
  return [...buckets.values()].sort((a, b) => a.bucket - b.bucket);
}

export function throughputTests(c: Conformance): void {
  c.test("countOutcomes counts completions and failures per bucket exactly as a walk of the trail does", async () => {
    const { board, clock } = await c.open();
    await mixedWorkload(board, clock, 400, 13);
    const events = await board.audit();
    const outcomes = events.filter((e) => e.type === "COMPLETED" || e.type === "FAILED");
    expect(outcomes.filter((e) => e.type === "COMPLETED").length).toBeGreaterThan(5);
    expect(outcomes.filter((e) => e.type === "FAILED").length).toBeGreaterThan(2);
    const first = Date.parse((events[0] as BoardEvent).at);
    const middle = outcomes[Math.floor(outcomes.length / 2)] as BoardEvent;
    const windows: [string, number][] = [
      [new Date(first - 1).toISOString(), 60_000],
      [new Date(first + 12_345).toISOString(), 7_000],
      // An outcome exactly at the window's start counts; bucket edges at odd milliseconds.
      [middle.at, 1_000],
      [new Date(Date.parse(middle.at) + 1).toISOString(), 86_400_000],
      [new Date(Date.parse((events[events.length - 1] as BoardEvent).at) + 1).toISOString(), 60_000],
    ];
    for (const [since, bucketMs] of windows) {
      const counted = await board.store.read((tx) => tx.countOutcomes(since, bucketMs));
      expect(counted, `since ${since}, buckets of ${bucketMs} ms`).toEqual(await walkedOutcomes(board, since, bucketMs));
    }
    const all = await board.store.read((tx) => tx.countOutcomes(new Date(first - 1).toISOString(), 86_400_000 * 365));
    expect(all).toEqual([
      {
        bucket: 0,
        completed: outcomes.filter((e) => e.type === "COMPLETED").length,
        failed: outcomes.filter((e) => e.type === "FAILED").length,
      },
    ]);
  });
}

/**
 * Throughput buckets from events in memory, for a store without SQL (the JSON store): the
 * same counts StoreReader.countOutcomes returns from the others' aggregate queries.
 */
import type { BoardEvent } from "./task.js";

/** How many tasks were completed and failed in one bucket of time (StoreReader.countOutcomes). */
export interface OutcomeBucket {
  bucket: number;
  completed: number;
  failed: number;
}

export function countOutcomes(events: Iterable<BoardEvent>, since: string, bucketMs: number): OutcomeBucket[] {
  const start = Date.parse(since);
  const buckets = new Map<number, OutcomeBucket>();
  for (const event of events) {
    if (event.type !== "COMPLETED" && event.type !== "FAILED") continue;
    const at = Date.parse(event.at);
    if (at < start) continue;
    const n = Math.floor((at - start) / bucketMs);
    let bucket = buckets.get(n);
    if (!bucket) buckets.set(n, (bucket = { bucket: n, completed: 0, failed: 0 }));
    if (event.type === "COMPLETED") bucket.completed++;
    else bucket.failed++;
  }
  return [...buckets.values()].sort((a, b) => a.bucket - b.bucket);
}

/**
 * board.watch with many subscribers on one watcher, against a real race: 16 processes claim
 * and complete 300 tasks while 50 subscribers in this process watch; each must receive every
 * event of the race exactly once, in seq order.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { raceWorkers } from "../support/processes.js";

const root = mkdtempSync(join(tmpdir(), "baton-watch-race-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TASKS = 300;
const PROCESSES = 16;
const SUBSCRIBERS = 50;

describe("board.watch: one watcher, many subscribers", () => {
  it(`${SUBSCRIBERS} subscribers each receive every event of a ${PROCESSES}-process race exactly once, in order`, async () => {
    const url = `sqlite:${join(root, "board.db")}`;
    const board = await openBoard(url);
    const stop = new AbortController();
    try {
      await board.addMany(Array.from({ length: TASKS }, (_, i) => ({ title: `task ${i + 1}` })));
      const startSeq = (await board.audit({ recent: 1 }))[0]?.seq ?? 0;
      const received = Array.from({ length: SUBSCRIBERS }, () => [] as number[]);
      const watching = received.map(async (seqs) => {
        for await (const event of board.watch({ afterSeq: startSeq, pollMs: 20, signal: stop.signal })) seqs.push(event.seq);
      });
      await raceWorkers(
        "race-claimer",
        Array.from({ length: PROCESSES }, (_, i) => ({ url, agent: `agent-${i + 1}`, leaseSeconds: 300 })),
      );
      const all = (await board.audit({ afterSeq: startSeq })).map((e) => e.seq);
      // Every task was claimed and completed: two events each.
      expect(all.length).toBe(2 * TASKS);
      const deadline = Date.now() + 60_000;
      while (received.some((seqs) => seqs.length < all.length) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const seqs of received) expect(seqs).toEqual(all);
      stop.abort();
      await Promise.all(watching);
    } finally {
      stop.abort();
      await board.close();
    }
  }, 180_000);
});

/**
 * Live events on PostgreSQL: seqs are taken before commit, so events can commit out of seq
 * order; a watcher polling `afterSeq` must still see every event exactly once, in seq order.
 * And LISTEN/NOTIFY wakes watchers as events commit (the poll interval here is a minute, so
 * only a notification can deliver them in time).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { raceWorkers } from "../support/processes.js";
import { startPostgres } from "../support/postgres-server.js";
import { collect } from "./watch-collector.js";
import type { BoardEvent } from "../../src/index.js";
import type { PostgresServer } from "../support/postgres-server.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres({ maxConnections: 100 });
});
afterAll(() => server?.stop());

describe("postgres store: watching events", () => {
  it("an event that commits after a higher seq is visible still reaches a watcher, before the higher one", async () => {
    const url = await server.createDatabase("horizon");
    const board = await openBoard(url);
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    try {
      await board.add({ title: "one" }); // seq 1
      // A slow transaction takes seq 2 and has not committed yet…
      await raw.query("BEGIN");
      const seq = Number((await raw.query<{ s: string }>("SELECT baton_take_seq() AS s")).rows[0]?.s);
      expect(seq).toBe(2);
      // …while a quick one commits seq 3.
      await board.add({ title: "two" });
      let settled: BoardEvent[] | undefined;
      const reading = board.audit({ afterSeq: 1 }).then((events) => (settled = events));
      // The reader waits for seq 2's transaction instead of returning seq 3 alone (after which
      // a watcher at afterSeq 3 would never see seq 2).
      for (;;) {
        const { rows } = await raw.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        if (rows[0]?.n === 1) break;
        expect(settled, "the reader returned without waiting for the open transaction").toBeUndefined();
      }
      await raw.query(
        "SELECT baton_append_event($1, now(), 'NOTE', NULL, 'slow', NULL, NULL, 'late commit', '{}')",
        [seq],
      );
      await raw.query("COMMIT");
      expect((await reading).map((e) => [e.seq, e.type])).toEqual([
        [2, "NOTE"],
        [3, "CREATED"],
      ]);
    } finally {
      await raw.end();
      await board.close();
    }
  });

  it("a watcher sees every event of 16 racing processes exactly once, in seq order, woken by NOTIFY", async () => {
    const url = await server.createDatabase("watch");
    const board = await openBoard(url);
    const tasks = 300;
    await board.addMany(Array.from({ length: tasks }, (_, i) => ({ title: `watched ${i}` })));
    const startSeq = (await board.audit({ recent: 1 }))[0]?.seq ?? 0;
    const expected = tasks * 2; // CLAIMED + COMPLETED per task
    const watcher = collect(board, startSeq, (events) => events.length >= expected);
    await raceWorkers(
      "race-claimer",
      Array.from({ length: 16 }, (_, i) => ({ url, agent: `w-${i}`, leaseSeconds: 600 })),
    );
    const seen = await watcher.done;
    const audit = await board.audit({ afterSeq: startSeq });
    expect(audit.length).toBe(expected);
    expect(seen.map((e) => e.seq)).toEqual(audit.map((e) => e.seq));
    expect(seen).toEqual(audit);
    expect(new Set(seen.map((e) => e.seq)).size).toBe(expected);
    await board.close();
  });
});

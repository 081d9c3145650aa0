/**
 * How often a board operation waits for PostgreSQL, counted on each connection's socket. A
 * claim is two round trips: BEGIN with what the board reads first, then the writes with
 * COMMIT. A completion (fail, release) of a task this process claimed is one: it runs on the
 * row the claim left (see speculation.ts and postgres-speculation.test.ts); of a task it did
 * not, two, like the claim. When the claim recovers a task on its way, the prefetched
 * candidate is stale and the claim reads candidates again: it picks what a store without
 * prefetching picks.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Board, openBoard, openStore } from "../../src/index.js";
import { FakeClock } from "../conformance/harness.js";
import { startPostgres } from "../support/postgres-server.js";
import { countRoundTrips, watched } from "./round-trip-counter.js";
import type { BoardEvent, Store } from "../../src/index.js";
import type { PostgresServer } from "../support/postgres-server.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server?.stop());
countRoundTrips();

const opened: Board[] = [];
afterEach(async () => {
  for (const board of opened.splice(0)) await board.close();
});

async function board(options: { clock?: FakeClock; prefetch?: boolean } = {}): Promise<Board> {
  const url = await server.createDatabase("round_trips");
  const clockOption = options.clock ? { clock: options.clock.now } : {};
  if (options.prefetch === false) {
    // The same store, minus the intent: every read runs as a query of its own.
    const store = await openStore(url);
    const plain: Store = Object.assign(Object.create(store) as Store, {
      transaction: (fn: Parameters<Store["transaction"]>[0]) => store.transaction(fn),
    });
    const created = new Board(plain, { ...clockOption, random: () => 0.5 });
    opened.push(created);
    return created;
  }
  const created = await openBoard(url, { ...clockOption, random: () => 0.5 });
  opened.push(created);
  return created;
}

const shape = (events: BoardEvent[]): string[] => events.map((e) => `${e.type} ${e.taskId} ${e.agentId} ${e.from}→${e.to}`);

describe("postgres store: round trips", () => {
  it("on the database's clock, a claim is 2 round trips and the claimer's completion 1, also when the task has a dependency", async () => {
    const b = await board();
    await b.add({ title: "first" });
    await b.add({ title: "second", dependsOn: ["T-1"] });

    const first = await watched(() => b.claim({ agent: "agent-a", leaseSeconds: 60 }));
    expect(first.result.task.id).toBe("T-1");
    expect(first.roundTrips).toBe(2);
    const done = await watched(() => b.complete("T-1", { token: first.result.leaseToken, result: "ok" }));
    expect(done.result.status).toBe("completed");
    expect(done.roundTrips).toBe(1);

    // T-2's dependency (T-1) is read in the claim's first round trip too.
    const second = await watched(() => b.claim({ agent: "agent-a", leaseSeconds: 60 }));
    expect(second.result.task.id).toBe("T-2");
    expect(second.roundTrips).toBe(2);
    const done2 = await watched(() => b.complete("T-2", { token: second.result.leaseToken }));
    expect(done2.roundTrips).toBe(1);
    expect((await b.stats()).completed).toBe(2);
  });

  it("from another process than the claim's, a completion is 2 round trips; a heartbeat 2 naming its agent, else 3", async () => {
    const url = await server.createDatabase("round_trips");
    const boards = await Promise.all([1, 2, 3, 4].map(() => openBoard(url)));
    opened.push(...boards);
    const [claimer, second, third, fourth] = boards as [Board, Board, Board, Board];
    await claimer.add({ title: "handed over" });
    const claim = await claimer.claim({ agent: "agent-a", leaseSeconds: 60 });
    // A heartbeat also reads the holder's agent row: fetched with BEGIN when the caller names
    // the agent, else read once the task names the holder.
    const named = await watched(() => second.heartbeat("T-1", { token: claim.leaseToken, agent: "agent-a" }));
    expect(named.roundTrips).toBe(2);
    const byToken = await watched(() => third.heartbeat("T-1", { token: claim.leaseToken }));
    expect(byToken.roundTrips).toBe(3);
    const done = await watched(() => fourth.complete("T-1", { token: claim.leaseToken }));
    expect(done.result.status).toBe("completed");
    expect(done.roundTrips).toBe(2);
  });

  it("on the board's own clock, a claim is 2 round trips and the claimer's completion 1", async () => {
    const clock = new FakeClock();
    const b = await board({ clock });
    await b.add({ title: "only" });
    const claim = await watched(() => b.claim({ agent: "agent-a", leaseSeconds: 60 }));
    expect(claim.result.task.id).toBe("T-1");
    expect(claim.roundTrips).toBe(2);
    clock.advanceSeconds(10);
    const done = await watched(() => b.complete("T-1", { token: claim.result.leaseToken }));
    expect(done.result.status).toBe("completed");
    expect(done.roundTrips).toBe(1);
  });

  it("by the claimer, a heartbeat (naming its agent or not), a fail and a release are 1 round trip each", async () => {
    const b = await board();
    await b.add({ title: "one" });
    const claim = await b.claim({ agent: "agent-a", leaseSeconds: 60 });
    // The heartbeat also reads (and may rewrite) the holder's agent row: the claim read it.
    const named = await watched(() => b.heartbeat("T-1", { token: claim.leaseToken, agent: "agent-a" }));
    expect(named.roundTrips).toBe(1);
    expect(named.result.assignedTo).toBe("agent-a");
    expect((await watched(() => b.heartbeat("T-1", { token: claim.leaseToken }))).roundTrips).toBe(1);
    expect((await watched(() => b.release("T-1", { token: claim.leaseToken }))).roundTrips).toBe(1);
    const again = await b.claim({ agent: "agent-a", leaseSeconds: 60 });
    expect((await watched(() => b.fail("T-1", { token: again.leaseToken, error: "boom" }))).roundTrips).toBe(1);
  });

  for (const recovered of ["an expired lease", "a due retry"] as const) {
    it(`a claim that recovers ${recovered} on its way reads candidates again and takes what the unprefetched store takes`, async () => {
      const outcomes = [];
      for (const prefetch of [true, false]) {
        const clock = new FakeClock();
        const b = await board({ clock, prefetch });
        await b.add({ title: "urgent", priority: "high" });
        await b.add({ title: "routine" });
        const held = await b.claim({ agent: "agent-a", leaseSeconds: 60 });
        expect(held.task.id).toBe("T-1");
        if (recovered === "a due retry") await b.fail("T-1", { token: held.leaseToken, error: "flaky" });
        // Past the lease, and past any retry delay.
        clock.advanceSeconds(24 * 3600);
        // The first round trip saw T-1 held (or failed) and T-2 as the best candidate; the
        // recovery makes T-1 pending again, and it outranks T-2.
        const claim = await watched(() => b.claim({ agent: "agent-b", leaseSeconds: 60 }));
        outcomes.push({
          prefetch,
          task: claim.result.task.id,
          token: claim.result.leaseToken,
          attempts: claim.result.task.attempts,
          roundTrips: claim.roundTrips,
          audit: shape(await b.audit()),
          pending: (await b.list({ status: "pending" })).map((t) => t.id),
        });
      }
      const [withPrefetch, without] = outcomes as [(typeof outcomes)[number], (typeof outcomes)[number]];
      expect(withPrefetch.task).toBe("T-1");
      expect(withPrefetch.pending).toEqual(["T-2"]);
      expect({ ...withPrefetch, prefetch: false, roundTrips: 0 }).toEqual({ ...without, roundTrips: 0 });
      // BEGIN with the prefetch, the candidate read again (with the recovery's writes), COMMIT.
      expect(withPrefetch.roundTrips).toBe(3);
      expect(without.roundTrips).toBeGreaterThan(3);
    });
  }
});

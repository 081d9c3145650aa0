/**
 * One-round-trip fenced operations (src/store/postgres/speculation.ts): a process completes a
 * task it claimed on the row its claim left and on an estimate of the database's clock, and
 * the database confirms both in the same round trip. Here the guesses are wrong on purpose:
 * another process changed the task, or the estimate is off. The operation must then act
 * exactly as it would have without the guess: no lost update, the same refusal, timestamps
 * from the database's clock.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { openBoard } from "../../src/index.js";
import { pollUntil } from "../support/poll.js";
import { databaseNow, startPostgres } from "../support/postgres-server.js";
import { countRoundTrips, unwatched, watched } from "./round-trip-counter.js";
import type { Board } from "../../src/index.js";
import type { PostgresServer } from "../support/postgres-server.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server?.stop());
countRoundTrips();

const opened: Board[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const board of opened.splice(0)) await board.close();
});

/** Two boards on one database, as two agent processes would have (each its own store). */
/** Waits until the database's clock (the one leases are judged on) is past `ms`. */
async function databaseClockPast(url: string, ms: number): Promise<void> {
  await pollUntil(`the database clock past ${new Date(ms).toISOString()}`, async () => (await databaseNow(url)) > ms, {
    everyMs: 50,
  });
}

async function twoProcesses(): Promise<{ url: string; a: Board; b: Board }> {
  const url = await server.createDatabase("speculation");
  const a = await openBoard(url);
  const b = await openBoard(url);
  opened.push(a, b);
  return { url, a, b };
}

async function refusal(operation: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await operation;
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
  throw new Error("expected a refusal");
}

describe("postgres store: one-round-trip operations on a task this process wrote last", () => {
  it("a task edited by another process since the claim: the completion keeps the edit (no lost update)", async () => {
    const { a, b } = await twoProcesses();
    await a.add({ title: "first title" });
    const claim = await a.claim({ agent: "agent-a", leaseSeconds: 60 });
    await b.update("T-1", { title: "edited elsewhere", metadata: { by: "b" } });

    // The remembered row is stale: the database refuses the guess and the completion runs
    // the usual way (1 refused + 2 round trips).
    const done = await watched(() => a.complete("T-1", { token: claim.leaseToken, result: "ok" }));
    expect(done.roundTrips).toBe(3);
    expect(done.result).toMatchObject({ status: "completed", title: "edited elsewhere", metadata: { by: "b" }, result: "ok" });
    expect(await b.get("T-1")).toEqual(done.result);
    expect((await b.audit({ taskId: "T-1" })).map((e) => e.type)).toEqual(["CREATED", "CLAIMED", "UPDATED", "COMPLETED"]);
  });

  it("a task cancelled by another process since the claim: the completion is refused as without the guess, and nothing is written", async () => {
    const { url, a, b } = await twoProcesses();
    await a.add({ title: "doomed" });
    const claim = await a.claim({ agent: "agent-a", leaseSeconds: 60 });
    await b.cancel("T-1", { reason: "not needed" });
    const cancelled = await b.get("T-1");

    const refused = await refusal(a.complete("T-1", { token: claim.leaseToken }));
    // The same answer a process that never saw the task gets.
    const fresh = await openBoard(url);
    opened.push(fresh);
    expect(refused.code).toBe("LEASE_LOST");
    expect(refused).toEqual(await refusal(fresh.complete("T-1", { token: claim.leaseToken })));
    expect(await b.get("T-1")).toEqual(cancelled);
    expect((await b.audit({ taskId: "T-1" })).map((e) => e.type)).toEqual(["CREATED", "CLAIMED", "CANCELLED"]);
  });

  it("a lease taken over by another agent: the old holder's heartbeat and completion are fenced off", async () => {
    const { url, a, b } = await twoProcesses();
    await a.add({ title: "slow" });
    const first = await a.claim({ agent: "agent-a", leaseSeconds: 1 });
    await databaseClockPast(url, Date.parse(first.task.leaseExpiresAt as string));
    const second = await b.claim({ agent: "agent-b", leaseSeconds: 60 });
    expect(second.task.id).toBe("T-1");

    for (const stale of [
      () => a.heartbeat("T-1", { token: first.leaseToken }),
      () => a.complete("T-1", { token: first.leaseToken, result: "late" }),
    ]) {
      await expect(stale()).rejects.toMatchObject({ code: "LEASE_LOST" });
    }
    expect(await a.get("T-1")).toMatchObject({ status: "in_progress", assignedTo: "agent-b", leaseToken: second.leaseToken });
    const done = await b.complete("T-1", { token: second.leaseToken, result: "b's" });
    expect(done).toMatchObject({ status: "completed", result: "b's" });
  });

  it("an agent row changed by another process since: the heartbeat's rewrite of it keeps that change (no lost update)", async () => {
    const { url, a, b } = await twoProcesses();
    await a.add({ title: "long job" });
    const claim = await a.claim({ agent: "agent-a", leaseSeconds: 60 });
    await b.registerAgent("agent-a", ["gpu"]);
    // Over a second later the heartbeat rewrites the agent's row (last seen); the row this
    // process remembers is stale, so the database refuses the guess.
    await databaseClockPast(url, Date.parse(claim.task.updatedAt) + 1_000);
    const beat = await watched(() => a.heartbeat("T-1", { token: claim.leaseToken }));
    expect(beat.roundTrips).toBe(1 + 3);
    const [agent] = await b.agents();
    expect(agent).toMatchObject({ id: "agent-a", capabilities: ["gpu"] });
    expect(Date.parse(agent!.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(claim.task.updatedAt) + 1_000);
    // Now this process knows the row again: the next heartbeat a second on is one round trip.
    await databaseClockPast(url, Date.parse(agent!.lastSeenAt) + 1_000);
    const next = await watched(() => a.heartbeat("T-1", { token: claim.leaseToken }));
    expect(next.roundTrips).toBe(1);
    expect(Date.parse((await b.agents())[0]!.lastSeenAt)).toBeGreaterThan(Date.parse(agent!.lastSeenAt));
  });

  for (const [direction, offsetMs] of [
    ["ahead of", 5_000],
    ["behind", -5_000],
  ] as const) {
    it(`an estimated clock 5 s ${direction} the database's is refused: the completion acts at the database's clock`, async () => {
      const { url, a } = await twoProcesses();
      await a.add({ title: "timed" });
      const claim = await a.claim({ agent: "agent-a", leaseSeconds: 60 });
      const realNow = performance.now.bind(performance);
      vi.spyOn(performance, "now").mockImplementation(() => realNow() + offsetMs);

      const before = await databaseNow(url);
      const done = await watched(() => a.complete("T-1", { token: claim.leaseToken }));
      const after = await databaseNow(url);
      expect(done.roundTrips).toBe(3);
      const at = Date.parse(done.result.updatedAt);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
      const [completed] = await a.audit({ type: "COMPLETED" });
      expect(completed?.at).toBe(done.result.updatedAt);
    });
  }

  it("this process's clock an hour off changes nothing: the one-round-trip completion is stamped with the database's time", async () => {
    const { url, a } = await twoProcesses();
    await a.add({ title: "skewed" });
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() - 3_600_000);
    const claim = await a.claim({ agent: "agent-a", leaseSeconds: 60 });
    const before = await databaseNow(url);
    const done = await watched(() => a.complete("T-1", { token: claim.leaseToken }));
    const after = await databaseNow(url);
    expect(done.roundTrips).toBe(1);
    const at = Date.parse(done.result.updatedAt);
    // Never ahead of the database's clock; behind it by less than the round trip took.
    expect(at).toBeLessThanOrEqual(after);
    expect(at).toBeGreaterThanOrEqual(before - 1_000);
  });

  it("a connection lost while the one-round-trip completion waited for a row lock: it did not commit, so it runs again and completes once", async () => {
    const { url, a } = await twoProcesses();
    await a.add({ title: "blocked" });
    const claim = await a.claim({ agent: "agent-a", leaseSeconds: 60 });
    // Another session holds T-1's row lock, so the completion's update waits on it.
    const locker = unwatched(new pg.Client({ connectionString: url }));
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("SELECT 1 FROM baton_tasks WHERE id = 'T-1' FOR UPDATE");
    const completing = watched(() => a.complete("T-1", { token: claim.leaseToken, result: "ok" }));
    let waiting: { pid: number } | undefined;
    const deadline = Date.now() + 10_000;
    while (waiting === undefined) {
      const { rows } = await locker.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
      );
      waiting = rows[0];
      if (waiting === undefined) {
        if (Date.now() > deadline) throw new Error("the completion never waited for the row lock");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    await locker.query("SELECT pg_terminate_backend($1)", [waiting.pid]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await locker.query("ROLLBACK");
    await locker.end();

    const done = await completing;
    expect(done.result).toMatchObject({ status: "completed", result: "ok" });
    // The one-round-trip batch (cut off), the check that it did not commit, then the usual
    // two; plus the Terminate message node-pg may still write to the dead connection as it
    // drops it. (Without the speculation: the first read, cut off, then the usual two.)
    expect([1 + 1 + 2, 1 + 1 + 2 + 1]).toContain(done.roundTrips);
    expect((await a.audit({ taskId: "T-1" })).map((e) => e.type)).toEqual(["CREATED", "CLAIMED", "COMPLETED"]);
  });
});

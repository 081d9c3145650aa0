/**
 * Time on a shared board is the database's: a worker process whose own clock is an hour off
 * gets leases measured from the database's now(), cannot steal a live lease, and sees an
 * expired one expire exactly when the database says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { spawnWorker } from "../support/processes.js";
import { databaseNow, startPostgres } from "../support/postgres-server.js";
import type { PostgresServer } from "../support/postgres-server.js";
import type { Task } from "../../src/index.js";

const HOUR_MS = 3_600_000;

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server?.stop());

interface SkewedOutcome {
  ok: boolean;
  task?: Task;
  code?: string;
  message?: string;
  localNow: number;
}

async function skewed(spec: Record<string, unknown>): Promise<SkewedOutcome> {
  const worker = spawnWorker("pg-skewed", spec);
  const exit = await worker.exited;
  if (exit.code !== 0) throw new Error(`pg-skewed failed: ${exit.stderr}`);
  return exit.result as SkewedOutcome;
}

describe("postgres store: time is the database's", () => {
  it("a process an hour behind gets a lease measured from the database clock, which a process an hour ahead cannot steal", async () => {
    const url = await server.createDatabase("skew_live");
    const board = await openBoard(url);
    await board.add({ title: "long job" });
    const before = await databaseNow(url);
    const behind = await skewed({ url, skewMs: -HOUR_MS, agent: "behind", action: "claim", leaseSeconds: 60 });
    const after = await databaseNow(url);
    expect(behind.ok).toBe(true);
    // The worker's own clock really was an hour off…
    expect(after - behind.localNow).toBeGreaterThan(HOUR_MS - 60_000);
    // …but its lease and timestamps are on the database's clock.
    const expires = Date.parse(behind.task?.leaseExpiresAt ?? "");
    expect(expires).toBeGreaterThanOrEqual(before + 60_000);
    expect(expires).toBeLessThanOrEqual(after + 60_000);
    const claimedAt = Date.parse(behind.task?.updatedAt ?? "");
    expect(claimedAt).toBeGreaterThanOrEqual(before);
    expect(claimedAt).toBeLessThanOrEqual(after);

    // An hour ahead, a process judging on its own clock would find the lease long expired.
    const ahead = await skewed({ url, skewMs: HOUR_MS, agent: "ahead", action: "claim", leaseSeconds: 60 });
    expect(ahead.ok).toBe(false);
    expect(ahead.code).toBe("NOTHING_READY");
    expect((await board.get("T-1")).assignedTo).toBe("behind");
    expect((await board.audit({ type: "TIMEOUT" })).length).toBe(0);
    await board.close();
  });

  it("a lease expires when the database's clock passes it: a process an hour behind takes the task over, and the old token is fenced off", async () => {
    const url = await server.createDatabase("skew_expiry");
    const board = await openBoard(url);
    await board.add({ title: "short job" });
    const first = await skewed({ url, skewMs: HOUR_MS, agent: "ahead", action: "claim", leaseSeconds: 5 });
    expect(first.ok).toBe(true);
    const expiresAt = Date.parse(first.task?.leaseExpiresAt ?? "");
    const oldToken = first.task?.leaseToken as number;

    // Before expiry on the database's clock, the process an hour behind cannot take it.
    const early = await skewed({ url, skewMs: -HOUR_MS, agent: "behind", action: "claim", leaseSeconds: 60 });
    expect(await databaseNow(url)).toBeLessThan(expiresAt);
    expect(early.code).toBe("NOTHING_READY");

    // Wait on the database's clock (the only one that counts) until the lease has expired.
    while ((await databaseNow(url)) <= expiresAt) await new Promise((resolve) => setTimeout(resolve, 100));
    // An hour behind, its own clock says the lease still has an hour to run; the board says
    // it expired, counts the attempt and hands the task over.
    const takeover = await skewed({ url, skewMs: -HOUR_MS, agent: "behind", action: "claim", leaseSeconds: 60 });
    expect(takeover.ok).toBe(true);
    expect(takeover.task?.assignedTo).toBe("behind");
    expect(takeover.task?.attempts).toBe(1);
    expect(takeover.task?.leaseToken).toBeGreaterThan(oldToken);
    expect((await board.audit({ type: "TIMEOUT" })).map((e) => [e.taskId, e.agentId])).toEqual([["T-1", "ahead"]]);

    // The first holder, an hour ahead, is fenced off by its stale token.
    const stale = await skewed({ url, skewMs: HOUR_MS, agent: "ahead", action: "heartbeat", id: "T-1", token: oldToken, leaseSeconds: 60 });
    expect(stale.ok).toBe(false);
    expect(stale.code).toBe("LEASE_LOST");
    expect((await board.get("T-1")).assignedTo).toBe("behind");
    await board.close();
  });
});

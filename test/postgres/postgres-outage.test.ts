/**
 * Connection loss: the PostgreSQL server is restarted in the middle of a run. Agents retry
 * (or get a clear STORE_UNAVAILABLE naming host and port, never the password); once it is
 * back, every task is completed exactly once, no task ever had two holders, and a watcher
 * (reconnecting its LISTEN) still saw every event exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { checkBoard } from "../conformance/checks.js";
import { pollUntil } from "../support/poll.js";
import { spawnWorker } from "../support/processes.js";
import { startPostgres, TEST_PASSWORD } from "../support/postgres-server.js";
import type { PostgresServer } from "../support/postgres-server.js";
import { collect } from "./watch-collector.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres({ maxConnections: 100 });
});
afterAll(() => server?.stop());

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("postgres store: the server restarts mid-run", () => {
  it("an operation issued while the server is down waits for it and succeeds once, when it is back", async () => {
    const board = await openBoard(await server.createDatabase("down_op"));
    try {
      await board.add({ title: "before" });
      server.stopServer();
      const adding = board.add({ title: "during" });
      await sleep(300);
      server.startServer();
      expect((await adding).id).toBe("T-2");
      expect((await board.list()).map((t) => [t.id, t.title])).toEqual([
        ["T-1", "before"],
        ["T-2", "during"],
      ]);
      expect((await board.audit({ type: "CREATED" })).length).toBe(2);
    } finally {
      await board.close();
    }
  });

  it("8 agents working through 300 tasks across a restart: each task completed exactly once, never two holders, every event watched once", async () => {
    const url = await server.createDatabase("restart");
    const board = await openBoard(url);
    const tasks = 300;
    await board.addMany(Array.from({ length: tasks }, (_, i) => ({ title: `outage ${i}` })));
    const startSeq = (await board.audit({ recent: 1 }))[0]?.seq ?? 0;
    let lastWatched = 0;
    const watcher = collect(board, startSeq, (events) => {
      lastWatched = events[events.length - 1]?.seq ?? 0;
      return false;
    });
    const workers = Array.from({ length: 8 }, (_, i) =>
      spawnWorker("pg-outage-agent", { url, agent: `agent-${i}`, leaseSeconds: 5, deadlineMs: 150_000 }),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();

    // Restart once a fifth of the work is done.
    let completedAtStop = 0;
    await pollUntil("a fifth of the tasks completed", async () => {
      completedAtStop = (await board.stats()).completed;
      return completedAtStop >= tasks / 5;
    });
    server.stopServer();
    await sleep(1500);
    server.startServer();

    const exits = await Promise.all(workers.map((w) => w.exited));
    for (const exit of exits) expect(exit.code, exit.stderr).toBe(0);
    const results = exits.map((e) => e.result as { completed: string[]; errors: { code: string; message: string }[] });
    expect(completedAtStop).toBeLessThan(tasks);

    const { tasks: final, events, report } = await checkBoard(board);
    expect(final.filter((t) => t.status === "completed").length).toBe(tasks);
    expect(events.filter((e) => e.type === "COMPLETED").length).toBe(tasks);
    expect([...report.completions.values()].every((n) => n === 1)).toBe(true);
    expect(report.completions.size).toBe(tasks);

    // Refusals the agents met: only the outage itself, or the fencing that follows a lost commit.
    const errors = results.flatMap((r) => r.errors);
    for (const error of errors) expect(["STORE_UNAVAILABLE", "CONFLICT", "LEASE_LOST"]).toContain(error.code);
    for (const error of errors.filter((e) => e.code === "STORE_UNAVAILABLE")) {
      expect(error.message).toContain(`127.0.0.1:${server.port}`);
      expect(error.message).not.toContain(TEST_PASSWORD);
    }
    // Completions the agents saw succeed are all on the board, once each.
    const reported = results.flatMap((r) => r.completed);
    expect(new Set(reported).size).toBe(reported.length);

    // The watcher, whose LISTEN connection was cut too, saw every event exactly once, in order.
    const all = await board.audit({ afterSeq: startSeq });
    const lastSeq = all[all.length - 1]?.seq ?? 0;
    await pollUntil(`the watcher at seq ${lastSeq}`, () => lastWatched >= lastSeq);
    watcher.stop();
    const seen = await watcher.done;
    expect(seen.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    await board.close();
  });
});

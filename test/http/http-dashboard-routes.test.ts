/** The routes the dashboard reads (src/http/routes/dashboard.ts), through app.request(). */
import { describe, expect, test } from "vitest";
import { testServer } from "./http-harness.js";

describe("GET /api/tasks/:id/context", () => {
  test("dependencies both ways with statuses, every blocker, the last heartbeat and checkpoint note", async () => {
    const s = await testServer();
    await s.board.add({ title: "root" });
    await s.board.add({ title: "needs a gpu after T-1 and T-9", dependsOn: ["T-1"], needs: ["gpu"] });
    await s.board.add({ title: "after T-2", dependsOn: ["T-2"] });
    const blocked = await s.json("GET", "/api/tasks/T-2/context", 200);
    expect(blocked.dependencies).toEqual([{ id: "T-1", title: "root", status: "pending" }]);
    expect(blocked.dependents).toEqual([{ id: "T-3", title: "after T-2", status: "pending" }]);
    expect(blocked.more_dependents).toBe(false);
    expect(blocked.blockers).toEqual([
      { kind: "dependency", message: "waits for T-1 (pending)" },
      { kind: "capability", message: "no live agent has gpu" },
    ]);

    const { leaseToken } = await s.board.claim({ agent: "agent-1", ids: ["T-1"] });
    await s.board.heartbeat("T-1", { token: leaseToken, note: "half way" });
    await s.board.heartbeat("T-1", { token: leaseToken });
    const held = await s.json("GET", "/api/tasks/T-1/context", 200);
    expect(held.blockers).toEqual([{ kind: "held", message: `held by agent-1 (token ${leaseToken}) until its lease ends` }]);
    expect(held.checkpoint).toEqual({ note: "half way", at: expect.any(String) });
    const beats = await s.board.audit({ taskId: "T-1", type: "HEARTBEAT" });
    expect(held.last_heartbeat_at).toBe(beats[1]?.at);
    expect(held.checkpoint.at).toBe(beats[0]?.at);

    const missing = await s.json("GET", "/api/tasks/T-99/context", 404);
    expect(missing.error.code).toBe("NOT_FOUND");
    expect((await s.json("GET", "/api/tasks/T-1/context?x=1", 400)).error.code).toBe("INVALID_INPUT");
  });
});

describe("GET /api/events/recent", () => {
  test("newest first, paged back by seq to the first event with no duplicate and no gap; filters apply", async () => {
    const s = await testServer();
    for (let i = 0; i < 25; i++) await s.board.add({ title: `t${i}` });
    const all = (await s.board.audit()).map((e) => e.seq).reverse();
    const seen: number[] = [];
    let before: number | null = null;
    for (let page = 0; page < 10; page++) {
      const answer: { items: { seq: number }[]; next_before: number | null } = await s.json(
        "GET",
        `/api/events/recent?limit=10${before === null ? "" : `&before=${before}`}`,
        200,
      );
      seen.push(...answer.items.map((e) => e.seq));
      before = answer.next_before;
      if (before === null) break;
    }
    expect(seen).toEqual(all);
    const one = await s.json("GET", "/api/events/recent?task=T-3", 200);
    expect(one.items.map((e: { task_id: string; type: string }) => [e.task_id, e.type])).toEqual([["T-3", "CREATED"]]);
    expect(one.next_before).toBeNull();
    expect((await s.json("GET", "/api/events/recent?before=0", 400)).error.code).toBe("INVALID_INPUT");
  });
});

describe("GET /api/stats/throughput", () => {
  test("completions and failures counted into minute buckets of the window", async () => {
    const s = await testServer();
    for (let i = 0; i < 3; i++) await s.board.add({ title: `t${i}` });
    for (let i = 0; i < 2; i++) {
      const { task, leaseToken } = await s.board.claim({ agent: "a" });
      await s.board.complete(task.id, { token: leaseToken });
    }
    const { task, leaseToken } = await s.board.claim({ agent: "a" });
    await s.board.fail(task.id, { token: leaseToken, error: "red" });
    const answer = await s.json("GET", "/api/stats/throughput?minutes=10", 200);
    expect(answer.bucket_seconds).toBe(60);
    expect(answer.partial).toBe(false);
    expect(answer.buckets.length).toBeGreaterThanOrEqual(10);
    const sum = (key: "completed" | "failed") => answer.buckets.reduce((n: number, b: Record<string, number>) => n + (b[key] ?? 0), 0);
    expect([sum("completed"), sum("failed")]).toEqual([2, 1]);
    expect((await s.json("GET", "/api/stats/throughput?minutes=0", 400)).error.code).toBe("INVALID_INPUT");
  });
});

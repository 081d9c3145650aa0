/**
 * tasks.json keeps seed 001's shape and stays readable and editable by a person or an agent
 * following the seed by hand; baton respects what such an agent writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { refusal } from "../conformance/harness.js";
import { freshDir, open, readJson } from "./json-boards.js";
import type { Row } from "./json-boards.js";

const SEED_FIELDS = ["id", "description", "status", "assigned_to", "created_at", "updated_at", "history"];

describe("json store: seed 001's file format", () => {
  it("tasks.json is a 2-space pretty-printed array of seed-shaped tasks, one history entry per change", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path, { policy: { retryBaseSeconds: 60 }, random: () => 0.5 });
    const done = await board.add({ title: "done one", description: "finish it" });
    const retry = await board.add({ title: "will retry" });
    const dead = await board.add({ title: "will die", maxAttempts: 1 });
    const cancelled = await board.add({ title: "not needed" });
    const c1 = await board.claim({ agent: "A", ids: [done.id] });
    await board.complete(done.id, { token: c1.leaseToken, result: "ok" });
    const c2 = await board.claim({ agent: "A", ids: [retry.id] });
    await board.fail(retry.id, { token: c2.leaseToken, error: "flaky" });
    const c3 = await board.claim({ agent: "A", ids: [dead.id] });
    await board.fail(dead.id, { token: c3.leaseToken, error: "broken" });
    await board.cancel(cancelled.id);

    const text = readFileSync(path, "utf8");
    const rows = JSON.parse(text) as Row[];
    expect(text).toBe(`${JSON.stringify(rows, null, 2)}\n`);
    expect(rows.map((r) => r.id)).toEqual([done.id, retry.id, dead.id, cancelled.id]);
    for (const row of rows) expect(Object.keys(row).slice(0, 7)).toEqual(SEED_FIELDS);
    expect(rows.map((r) => [r.status, r.baton_status])).toEqual([
      ["COMPLETED", "completed"],
      ["FAILED", "failed"],
      ["FAILED", "dead"],
      ["FAILED", "cancelled"],
    ]);
    const first = rows[0] as Row;
    expect(first).toMatchObject({ description: "finish it", assigned_to: "A", title: "done one", result: "ok", lease_token: 1 });
    expect((first.history as Row[]).map((h) => [h.event, h.agent_id])).toEqual([
      ["CREATED", null],
      ["CLAIMED", "A"],
      ["COMPLETED", "A"],
    ]);
    expect(Object.keys((first.history as Row[])[0] as Row)).toEqual(["timestamp", "event", "agent_id", "details"]);
    expect((rows[1] as Row).next_attempt_at).toBe((await board.get(retry.id)).nextAttemptAt);
    expect(readJson(join(path, "..", ".task-id-counters.json"))).toEqual({ counters: { T: 4 } });
  });

  it("a task written by hand with only seed fields reads with defaults, and baton claims and completes it", async () => {
    const path = join(freshDir(), "tasks.json");
    const hand = {
      id: "5b0c8e7e-1111-4f5e-9a44-0d6c9c0e0a01",
      description: "Update the changelog\n\nMention the new lock protocol.",
      status: "PENDING",
      assigned_to: null,
      created_at: "2023-10-27T10:00:00Z",
      updated_at: "2023-10-27T10:00:00Z",
      history: [{ timestamp: "2023-10-27T10:00:00Z", event: "CREATED", agent_id: "Agent1", details: "by hand" }],
    };
    writeFileSync(path, `${JSON.stringify([hand], null, 2)}\n`);
    const board = await open(path);
    const task = await board.get(hand.id);
    expect(task).toMatchObject({
      title: "Update the changelog",
      status: "pending",
      priority: "medium",
      needs: [],
      dependsOn: [],
      attempts: 0,
      maxAttempts: 3,
      createdAt: "2023-10-27T10:00:00.000Z",
      leaseToken: null,
    });
    const claim = await board.claim({ agent: "B" });
    expect(claim.task.id).toBe(hand.id);
    await board.complete(hand.id, { token: claim.leaseToken });
    const [row] = readJson(path) as Row[];
    expect(row).toMatchObject({ id: hand.id, status: "COMPLETED", assigned_to: "B", created_at: "2023-10-27T10:00:00.000Z" });
    expect(((row as Row).history as Row[]).map((h) => h.event)).toEqual(["CREATED", "CLAIMED", "COMPLETED"]);
    expect(((row as Row).history as Row[])[0]).toEqual(hand.history[0]);
  });

  it("fields baton does not know survive its changes, and records it did not change stay byte for byte", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path);
    const a = await board.add({ title: "a" });
    const b = await board.add({ title: "b" });
    const rows = readJson(path) as Row[];
    (rows[0] as Row).estimate = "2h";
    (rows[0] as Row).labels = ["docs", { team: "core" }];
    // A hand-formatted record (compact arrays) that baton must leave exactly as it is.
    const text = `${JSON.stringify(rows, null, 2)}\n`.replace(/"needs": \[\]/g, '"needs":[ ]');
    writeFileSync(path, text);
    const untouched = text.slice(text.indexOf(`"id": "${b.id}"`));
    const claim = await board.claim({ agent: "A", ids: [a.id] });
    await board.complete(a.id, { token: claim.leaseToken });
    const after = readFileSync(path, "utf8");
    const [first] = JSON.parse(after) as Row[];
    expect(first).toMatchObject({ id: a.id, status: "COMPLETED", estimate: "2h", labels: ["docs", { team: "core" }] });
    expect(Object.keys(first as Row).indexOf("estimate")).toBeGreaterThan(Object.keys(first as Row).indexOf("created_by"));
    expect(after.endsWith(untouched)).toBe(true);
    expect(untouched).toContain('"needs":[ ]');
  });

  it("a hand agent's IN_PROGRESS is respected: the task is held by it under a lease, claims skip it or say who holds it", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path);
    const a = await board.add({ title: "a" });
    const b = await board.add({ title: "b" });
    const rows = readJson(path) as Row[];
    Object.assign(rows[0] as Row, { status: "IN_PROGRESS", assigned_to: "HandAgent" });
    writeFileSync(path, JSON.stringify(rows, null, 2));
    // Held with the board's lease (default 15 min) from its last update, and no token (json-hand-claims.test.ts).
    const held = await board.get(a.id);
    expect(held).toMatchObject({ status: "in_progress", assignedTo: "HandAgent", leaseToken: null });
    expect(held.leaseExpiresAt).toBe(new Date(Date.parse(held.updatedAt) + 15 * 60_000).toISOString());
    const error = await refusal(board.claim({ agent: "A", ids: [a.id] }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toBe(`${a.id} is already held by HandAgent`);
    expect((await board.claim({ agent: "A" })).task.id).toBe(b.id);
    expect((await board.heal()).timedOut).toEqual([]);
    expect((await board.get(a.id)).status).toBe("in_progress");
  });

  it("a hand agent's COMPLETED on a task baton holds is respected: the baton holder's token is then stale", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path);
    const a = await board.add({ title: "a" });
    const claim = await board.claim({ agent: "A" });
    const rows = readJson(path) as Row[];
    Object.assign(rows[0] as Row, { status: "COMPLETED", assigned_to: null });
    writeFileSync(path, JSON.stringify(rows, null, 2));
    expect((await board.get(a.id)).status).toBe("completed");
    const error = await refusal(board.complete(a.id, { token: claim.leaseToken }));
    expect(error.code).toBe("LEASE_LOST");
    const dependant = await board.add({ title: "after a", dependsOn: [a.id] });
    expect((await board.claim({ agent: "A" })).task.id).toBe(dependant.id);
  });

  it("FAILED set by hand reads as dead (a person said so); PENDING set by hand on a dead task revives it", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path);
    const a = await board.add({ title: "a" });
    const b = await board.add({ title: "b", maxAttempts: 1 });
    const cb = await board.claim({ agent: "A", ids: [b.id] });
    await board.fail(b.id, { token: cb.leaseToken, error: "no" });
    const rows = readJson(path) as Row[];
    (rows[0] as Row).status = "FAILED";
    (rows[1] as Row).status = "PENDING";
    writeFileSync(path, JSON.stringify(rows, null, 2));
    expect((await board.get(a.id)).status).toBe("dead");
    expect((await board.get(b.id)).status).toBe("pending");
  });

  it("every write keeps the previous tasks.json as tasks.json.bak", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path);
    await board.add({ title: "one" });
    const before = readFileSync(path, "utf8");
    await board.add({ title: "two" });
    expect(readFileSync(`${path}.bak`, "utf8")).toBe(before);
    expect((readJson(path) as Row[]).length).toBe(2);
  });

  it("id counters use seed 003's file and continue from a counter set by hand", async () => {
    const dir = freshDir();
    writeFileSync(join(dir, ".task-id-counters.json"), JSON.stringify({ counters: { SEC: 19 } }));
    const board = await open(join(dir, "tasks.json"));
    expect((await board.reserve("SEC", 2)).ids).toEqual(["SEC-20", "SEC-21"]);
    expect((await board.add({ title: "x", prefix: "SEC" })).id).toBe("SEC-22");
    expect(readJson(join(dir, ".task-id-counters.json"))).toEqual({ counters: { SEC: 22 } });
  });

  it("another file name gets its own lock, audit and sidecar names (todo.json ↔ todo.lock)", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "todo.json"));
    await board.add({ title: "x" });
    const events = readFileSync(join(dir, "todo.audit.jsonl"), "utf8").trim().split("\n");
    expect(events.map((l) => (JSON.parse(l) as Row).type)).toEqual(["CREATED"]);
    expect(readJson(join(dir, "todo.baton.json"))).toMatchObject({ audit_seq: 0 }); // the snapshot, made with the board
    expect(readJson(join(dir, "todo.baton.jsonl"))).toMatchObject({ audit_seq: 1 }); // the journal's one line
  });
});

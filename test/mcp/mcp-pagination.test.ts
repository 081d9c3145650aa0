/**
 * Results stay small: lists come in pages with a cursor, compact unless full detail is asked
 * for (SPEC §5: a peer's list tool was seen returning 41k tokens).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, freshBoardUrl } from "./mcp-client.js";
import type { McpSession } from "./mcp-client.js";

const TASKS = 100;
const COMPACT_KEYS = ["assigned_to", "id", "priority", "status", "title"];
const FULL_KEYS = [
  "assigned_to",
  "attempts",
  "created_at",
  "created_by",
  "depends_on",
  "description",
  "id",
  "last_error",
  "lease_expires_at",
  "lease_token",
  "max_attempts",
  "metadata",
  "needs",
  "next_attempt_at",
  "priority",
  "result",
  "status",
  "title",
  "updated_at",
  "version",
];

let mcp: McpSession;
beforeAll(async () => {
  mcp = await connect(await freshBoardUrl(), "agent-a");
  const tasks = Array.from({ length: TASKS }, (_, i) => ({
    title: `Task number ${i + 1} of the migration`,
    description: `Step ${i + 1}: ${"move the records, check the counts, write the report. ".repeat(4)}`,
  }));
  const created = await mcp.call("create_tasks", { tasks });
  expect(created.body.tasks).toHaveLength(TASKS);
});
afterAll(async () => {
  await mcp.close();
});

/** Board order (created_at, then natural id order: a batch shares one created_at, so T-1, T-2, …, T-100). */
async function boardOrder(args: Record<string, unknown> = {}): Promise<string[]> {
  const all = await mcp.call("list_tasks", { ...args, limit: 100 });
  expect(all.body.more).toBe(false);
  return all.body.tasks.map((t: { id: string }) => t.id);
}

describe("list_tasks pagination", () => {
  it(`pages ${TASKS} tasks 20 at a time: 5 pages via next_cursor, every task once, in board order`, async () => {
    const pages: number[] = [];
    const ids: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await mcp.call("list_tasks", cursor === undefined ? {} : { cursor });
      expect(page.isError).toBe(false);
      pages.push(page.body.tasks.length);
      ids.push(...page.body.tasks.map((t: { id: string }) => t.id));
      if (!page.body.more) {
        expect(page.body.next_cursor).toBeNull();
        break;
      }
      cursor = page.body.next_cursor;
    }
    expect(pages).toEqual([20, 20, 20, 20, 20]);
    expect(ids).toEqual(await boardOrder());
    expect(ids).toEqual(Array.from({ length: TASKS }, (_, i) => `T-${i + 1}`));
  });

  it("the first page is compact and small; full detail is on request and several times larger", async () => {
    const compact = await mcp.call("list_tasks", {});
    expect(compact.body).toMatchObject({ more: true, next_cursor: expect.any(String) });
    expect(compact.body.tasks).toHaveLength(20);
    for (const task of compact.body.tasks) expect(Object.keys(task).sort()).toEqual(COMPACT_KEYS);
    expect(compact.body.tasks[1]).toEqual({
      id: "T-2",
      title: "Task number 2 of the migration",
      status: "pending",
      priority: "medium",
      assigned_to: null,
    });

    const full = await mcp.call("list_tasks", { detail: "full" });
    for (const task of full.body.tasks) expect(Object.keys(task).sort()).toEqual(FULL_KEYS);
    expect(full.body.tasks[0].description).toMatch(/^Step 1: move the records/);

    // ~4 characters a token: the compact page is ~600 tokens, the full one ~3,000.
    expect(compact.chars).toBeLessThan(2_500);
    expect(full.chars).toBeGreaterThan(4 * compact.chars);
    console.log(`list_tasks page of 20: compact ${compact.chars} chars, full ${full.chars} chars`);
  });

  it("honours limit up to 100 and a cursor from the middle", async () => {
    const big = await mcp.call("list_tasks", { limit: 100 });
    expect(big.body.tasks).toHaveLength(100);
    expect(big.body.more).toBe(false);
    const head = await mcp.call("list_tasks", { limit: 95 });
    const tail = await mcp.call("list_tasks", { limit: 7, cursor: head.body.next_cursor });
    expect(tail.body.tasks.map((t: { id: string }) => t.id)).toEqual((await boardOrder()).slice(95));
    expect(tail.body).toMatchObject({ more: false, next_cursor: null });
    // The old offset cursors are not cursors any more: refused, naming the fix.
    const offset = await mcp.call("list_tasks", { cursor: "500" });
    expect(offset.isError).toBe(true);
    expect(offset.body.error).toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringContaining("pass the next_cursor of the previous page unchanged"),
    });
  });

  it("ready: true pages the claimable tasks in claim order; a status filter narrows the list", async () => {
    await mcp.call("claim_tasks", { ids: ["T-1", "T-2", "T-3"] });
    const readyOrder = await boardOrder({ ready: true });
    expect(readyOrder).toHaveLength(97);
    expect(readyOrder).not.toContain("T-1");
    const ready = await mcp.call("list_tasks", { ready: true, limit: 30 });
    expect(ready.body.tasks.map((t: { id: string }) => t.id)).toEqual(readyOrder.slice(0, 30));
    expect(ready.body).toMatchObject({ more: true, next_cursor: expect.any(String) });
    const ninety = await mcp.call("list_tasks", { ready: true, limit: 90 });
    const lastReady = await mcp.call("list_tasks", { ready: true, limit: 30, cursor: ninety.body.next_cursor });
    expect(lastReady.body.tasks.map((t: { id: string }) => t.id)).toEqual(readyOrder.slice(90));
    expect(lastReady.body.more).toBe(false);

    const held = await mcp.call("list_tasks", { status: "in_progress" });
    expect(held.body.tasks.map((t: { id: string; assigned_to: string }) => [t.id, t.assigned_to])).toEqual([
      ["T-1", "agent-a"],
      ["T-2", "agent-a"],
      ["T-3", "agent-a"],
    ]);
    expect(held.body.more).toBe(false);
    const search = await mcp.call("list_tasks", { text: "number 42 of" });
    expect(search.body.tasks.map((t: { id: string }) => t.id)).toEqual(["T-42"]);
  });
});

describe("audit_events pagination", () => {
  it("gives the 20 most recent events by default, and pages forward from after_seq", async () => {
    const recent = await mcp.call("audit_events", { type: "CREATED" });
    expect(recent.body.earlier).toBe(true);
    expect(recent.body.events.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 81 + i));
    expect(recent.body.events[0].data).toBeUndefined();

    const first = await mcp.call("audit_events", { type: "CREATED", after_seq: 0, limit: 60, detail: "full" });
    expect(first.body.events).toHaveLength(60);
    expect(first.body).toMatchObject({ more: true, next_after_seq: 60 });
    expect(first.body.events[0].data.title).toBe("Task number 1 of the migration");
    const second = await mcp.call("audit_events", { type: "CREATED", after_seq: 60, limit: 60 });
    expect(second.body.events).toHaveLength(40);
    expect(second.body.more).toBe(false);
  });
});

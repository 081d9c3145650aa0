/**
 * Keyset paging (src/board/paging.ts) over the Store's `listTasks({ after })`: a walk through
 * the pages of a list sees each task that stayed in it exactly once, in list order, while
 * other writers insert tasks before and after the page being read or take tasks out of a
 * filtered list. An offset would repeat tasks in the first case and skip them in the second.
 */
import { expect } from "vitest";
import type { Board, Page, Task } from "../../src/index.js";
import type { Conformance } from "./harness.js";

const TASKS = 250;
const PAGE = 20;

async function walk(
  first: (cursor: string | undefined) => Promise<Page<Task>>,
  between: (page: number) => Promise<void>,
): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const { items, nextCursor } = await first(cursor);
    expect(items.length).toBeLessThanOrEqual(PAGE);
    seen.push(...items.map((t) => t.id));
    if (nextCursor === null) return seen;
    cursor = nextCursor;
    await between(page);
  }
  throw new Error(`still more pages after 100 pages of ${PAGE}: the cursor does not advance (${seen.length} items seen)`);
}

export function pagingTests(c: Conformance): void {
  c.test(`paging ${TASKS} tasks ${PAGE} at a time while another writer inserts before and after: no duplicate, no gap`, async () => {
    const { board, url, clock } = await c.open();
    // Ids of one millisecond sort by their natural order: A-n before T-n, Z-n after.
    await board.addMany(Array.from({ length: TASKS }, (_, i) => ({ id: `T-${i + 1}`, title: `task ${i + 1}` })));
    const writer: Board = await c.reopen(url, { clock: clock.now });
    const seen = await walk(
      (cursor) => board.listPage({ limit: PAGE, ...(cursor !== undefined && { cursor }) }),
      async (page) => {
        await writer.add({ id: `A-${page + 1}`, title: "inserted before every page" });
        await writer.add({ id: `Z-${page + 1}`, title: "inserted after every page" });
      },
    );
    expect(new Set(seen).size).toBe(seen.length);
    const original = seen.filter((id) => id.startsWith("T-"));
    expect(original).toEqual(Array.from({ length: TASKS }, (_, i) => `T-${i + 1}`));
    expect(seen.some((id) => id.startsWith("A-"))).toBe(false);
    // Every Z-n inserted before the walk reached the end is seen, after all of the T-n.
    expect(seen.slice(TASKS).every((id) => id.startsWith("Z-"))).toBe(true);
    expect(seen.length - TASKS).toBeGreaterThan(0);
  });

  c.test(`paging the pending tasks while the seen ones are claimed skips none of the rest`, async () => {
    const { board } = await c.open();
    await board.addMany(Array.from({ length: TASKS }, (_, i) => ({ title: `task ${i + 1}` })));
    const pending: string[] = [];
    const seen = await walk(
      async (cursor) => {
        const page = await board.listPage({ status: "pending", limit: PAGE, ...(cursor !== undefined && { cursor }) });
        pending.push(...page.items.map((t) => t.id));
        return page;
      },
      // Take the page just read out of the pending list, as agents would.
      async () => {
        for (const id of pending.splice(0, 3)) await board.claim({ agent: "agent-a", ids: [id] });
      },
    );
    expect(seen).toEqual(Array.from({ length: TASKS }, (_, i) => `T-${i + 1}`));
  });

  c.test(`ready pages in claim order while tasks are claimed and added: every ready task once`, async () => {
    const { board } = await c.open();
    const priorities = ["low", "critical", "medium", "high"] as const;
    await board.addMany(
      Array.from({ length: TASKS }, (_, i) => ({ title: `task ${i + 1}`, priority: priorities[i % 4] })),
    );
    const expected = (await board.ready()).map((t) => t.id);
    const seen = await walk(
      (cursor) => board.readyPage({ limit: PAGE, ...(cursor !== undefined && { cursor }) }),
      async (page) => {
        await board.claim({ agent: "agent-a", ids: [expected[page * PAGE] as string] });
        await board.add({ title: "a low task, last in claim order", priority: "low" });
      },
    );
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, TASKS)).toEqual(expected);
  });

  c.test("a cursor from another list, or a made-up one, is INVALID_INPUT naming the fix", async () => {
    const { board } = await c.open();
    await board.addMany(Array.from({ length: 3 }, (_, i) => ({ title: `task ${i + 1}` })));
    const tasksCursor = (await board.listPage({ limit: 1 })).nextCursor as string;
    const readyCursor = (await board.readyPage({ limit: 1 })).nextCursor as string;
    await expect(board.readyPage({ cursor: tasksCursor })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringContaining("belongs to another list"),
    });
    await expect(board.listPage({ cursor: readyCursor })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    for (const bad of ["20", "", "!!!", Buffer.from('["tasks",1,2]').toString("base64url")]) {
      await expect(board.listPage({ cursor: bad })).rejects.toMatchObject({
        code: "INVALID_INPUT",
        message: expect.stringContaining("next_cursor of the previous page"),
      });
    }
    await expect(board.listPage({ limit: 0 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(board.listPage({ limit: 10_001 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
}

export function listFilterTests(c: Conformance): void {
  c.test("list filters by priority and by dependency (the tasks that wait for one), on their own and with paging", async () => {
    const { board } = await c.open();
    await board.add({ title: "root", priority: "high" });
    await board.add({ title: "waits for T-1", dependsOn: ["T-1"] });
    await board.add({ title: "other root", priority: "high" });
    await board.add({ title: "waits for T-1 and T-3", dependsOn: ["T-1", "T-3"], priority: "high" });
    await board.add({ title: "waits for T-2", dependsOn: ["T-2"] });
    const ids = (tasks: readonly Task[]) => tasks.map((t) => t.id);
    expect(ids(await board.list({ dependsOn: "T-1" }))).toEqual(["T-2", "T-4"]);
    expect(ids(await board.list({ dependsOn: "T-3" }))).toEqual(["T-4"]);
    expect(ids(await board.list({ dependsOn: "T-5" }))).toEqual([]);
    expect(ids(await board.list({ priority: "high" }))).toEqual(["T-1", "T-3", "T-4"]);
    expect(ids(await board.list({ priority: "high", dependsOn: "T-1" }))).toEqual(["T-4"]);
    const first = await board.listPage({ dependsOn: "T-1", limit: 1 });
    expect(ids(first.items)).toEqual(["T-2"]);
    const second = await board.listPage({ dependsOn: "T-1", limit: 1, cursor: first.nextCursor as string });
    expect(ids(second.items)).toEqual(["T-4"]);
    expect(second.nextCursor).toBeNull();
    await expect(board.list({ priority: "urgent" })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(board.list({ dependsOn: "../x" })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
}

export function eventPagingBackTests(c: Conformance): void {
  c.test("the audit trail pages back from the newest event: recent N before a seq, to the first event", async () => {
    const { board } = await c.open();
    for (let i = 0; i < 7; i++) await board.add({ title: `task ${i + 1}` });
    const all = (await board.audit()).map((e) => e.seq);
    expect(all.length).toBe(7);
    const seen: number[] = [];
    let before: number | undefined;
    for (let page = 0; page < 10; page++) {
      const events = await board.audit({ recent: 3, ...(before !== undefined && { beforeSeq: before }) });
      if (events.length === 0) break;
      seen.unshift(...events.map((e) => e.seq));
      before = events[0]!.seq;
    }
    expect(seen).toEqual(all);
    await expect(board.audit({ beforeSeq: 0 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
}

/**
 * The ready list as an index walk (Store.pendingInClaimOrder, src/board/ready-walk.ts): the
 * same tasks in the same order as sorting the whole ready set (core/selection.ts claim order,
 * computed here from every task on the board), for an agent and for no agent, on a board with
 * reservations for several agents, tasks needing capabilities, blocked tasks interleaved with
 * ready ones, due and not-yet-due retries and tasks of one millisecond (T-9 before T-10); and
 * the same list page by page at every page size, with no duplicate, no gap, and nothing after
 * the last.
 */
import { expect } from "vitest";
import { sortForClaim } from "../../src/board/paging.js";
import { mayTake, unfinishedDependencies } from "../../src/core/selection.js";
import type { Board, Page, Task } from "../../src/index.js";
import type { Conformance, TestBoard } from "./harness.js";

const PRIORITIES = ["low", "critical", "medium", "high"] as const;

/** What the ready list must be: the whole board read, filtered and sorted (the walk's oracle). */
async function everyReady(board: Board, nowIso: string, agent?: string, capabilities: readonly string[] = []): Promise<string[]> {
  const all = await board.list();
  const statuses = new Map(all.map((t) => [t.id, t.status]));
  const open = all
    .filter((t) => t.status === "pending" || (t.status === "failed" && t.nextAttemptAt !== null && t.nextAttemptAt <= nowIso))
    .map((t): Task => ({ ...t, status: "pending", nextAttemptAt: null }))
    .filter((t) => unfinishedDependencies(t, statuses).length === 0)
    .filter((t) => agent === undefined || mayTake(t, agent, capabilities));
  return sortForClaim(open, agent).map((t) => t.id);
}

async function walkPages(read: (cursor: string | undefined) => Promise<Page<Task>>, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const { items, nextCursor } = await read(cursor);
    expect(items.length).toBeLessThanOrEqual(limit);
    if (nextCursor !== null) expect(items.length).toBe(limit);
    seen.push(...items.map((t) => t.id));
    if (nextCursor === null) return seen;
    cursor = nextCursor;
  }
  throw new Error("the ready cursor does not advance");
}

/** A board of every kind of pending task the walk must judge, in claim-order-scrambling positions. */
async function mixedBoard(c: Conformance): Promise<TestBoard> {
  const opened = await c.open();
  const { board, clock } = opened;
  // Roots: one completed (its dependents are ready), one pending (its dependents are blocked).
  await board.addMany([{ title: "done root", priority: "critical" }, { title: "open root", priority: "critical" }]);
  const done = await board.claim({ agent: "W", ids: ["T-1"] });
  await board.complete("T-1", { token: done.leaseToken });
  for (let round = 0; round < 4; round++) {
    clock.advanceMs(3);
    // One millisecond each: ids in natural order (T-9 before T-10) break the ties.
    await board.addMany(
      Array.from({ length: 16 }, (_, i) => ({
        title: `round ${round} task ${i}`,
        priority: PRIORITIES[(i + round) % 4],
        ...(i % 5 === 1 && { dependsOn: ["T-2"] }),
        ...(i % 5 === 2 && { dependsOn: ["T-1"] }),
        ...(i % 7 === 3 && { assignedTo: "A" }),
        ...(i % 7 === 4 && { assignedTo: "B" }),
        ...(i % 6 === 5 && { needs: ["gpu"] }),
      })),
    );
  }
  // Retries: two due by now, one (failed twice, a longer backoff) not yet due; no claim since
  // they fell due, so none is promoted yet.
  const failOnce = async (id: string): Promise<string> => {
    const held = await board.claim({ agent: "W", ids: [id] });
    return (await board.fail(id, { token: held.leaseToken, error: "flaky" })).nextAttemptAt as string;
  };
  clock.ms = Date.parse(await failOnce("T-31"));
  await failOnce("T-31");
  let due = "";
  for (const id of ["T-5", "T-21"]) due = await failOnce(id);
  clock.ms = Date.parse(due);
  return opened;
}

export function readyWalkTests(c: Conformance): void {
  c.test("ready walks in claim order: no agent, an agent with and without capabilities, due retries in their place", async () => {
    const { board, clock } = await mixedBoard(c);
    const now = clock.iso();
    const cases: [string | undefined, string[] | undefined][] = [
      [undefined, undefined],
      ["A", ["gpu"]],
      ["A", []],
      ["B", ["gpu"]],
      ["C", []],
    ];
    for (const [agent, capabilities] of cases) {
      const expected = await everyReady(board, now, agent, capabilities);
      const who = { ...(agent !== undefined && { agent }), ...(capabilities && { capabilities }) };
      expect(expected.length).toBeGreaterThan(10);
      expect((await board.ready(who)).map((t) => t.id)).toEqual(expected);
      expect((await board.ready({ ...who, limit: 3 })).map((t) => t.id)).toEqual(expected.slice(0, 3));
      for (const limit of [1, 7, 50, 1_000]) {
        const seen = await walkPages((cursor) => board.readyPage({ ...who, limit, ...(cursor !== undefined && { cursor }) }), limit);
        expect(seen).toEqual(expected);
      }
    }
    // The board's mix is what the test claims it is.
    const noAgent = await everyReady(board, now);
    expect(noAgent).toEqual(expect.arrayContaining(["T-5", "T-21", "T-2"]));
    expect(noAgent).not.toContain("T-31"); // its retry is not due yet
    expect(noAgent.filter((id) => ["T-4", "T-9"].includes(id))).toEqual([]); // they wait for T-2
    expect((await board.get("T-5")).status).toBe("failed"); // reading promoted nothing
    expect((await everyReady(board, now, "A", [])).every((id) => noAgent.includes(id))).toBe(true);
  });

  c.test("ready pages of a board whose best pending tasks are blocked walk on to the ready ones; after the last, nothing", async () => {
    const { board } = await c.open();
    await board.add({ title: "held root" });
    await board.claim({ agent: "W", ids: ["T-1"] });
    // 300 critical tasks waiting for T-1, then 5 low ready ones: the walk crosses many windows.
    await board.addMany(Array.from({ length: 300 }, (_, i) => ({ title: `blocked ${i}`, priority: "critical", dependsOn: ["T-1"] })));
    await board.addMany(Array.from({ length: 5 }, (_, i) => ({ title: `ready ${i}`, priority: "low" })));
    const first = await board.readyPage({ limit: 2 });
    expect(first.items.map((t) => t.id)).toEqual(["T-302", "T-303"]);
    const rest = await board.readyPage({ limit: 10, cursor: first.nextCursor as string });
    expect(rest.items.map((t) => t.id)).toEqual(["T-304", "T-305", "T-306"]);
    expect(rest.nextCursor).toBeNull();
    const last = await board.readyPage({ limit: 3, cursor: first.nextCursor as string });
    expect(last.nextCursor).toBeNull();
    // A cursor after the last ready task (the task after it was taken meanwhile): an empty last page.
    const four = await board.readyPage({ limit: 4 });
    await board.claim({ agent: "W", ids: ["T-306"] });
    expect(await board.readyPage({ limit: 2, cursor: four.nextCursor as string })).toEqual({ items: [], nextCursor: null });
    expect((await board.ready({ agent: "A" })).map((t) => t.id)).toEqual(["T-302", "T-303", "T-304", "T-305"]);
  });

  c.test("an agent's ready pages: its reservations first, never another's; a cursor of its reserved part then the rest", async () => {
    const { board } = await c.open();
    await board.addMany([
      { title: "open low", priority: "low" },
      { title: "mine low", priority: "low", assignedTo: "A" },
      { title: "theirs critical", priority: "critical", assignedTo: "B" },
      { title: "open critical", priority: "critical" },
      { title: "mine medium", priority: "medium", assignedTo: "A" },
    ]);
    const ids = (tasks: readonly Task[]) => tasks.map((t) => t.id);
    const one = await board.readyPage({ agent: "A", limit: 1 });
    expect(ids(one.items)).toEqual(["T-5"]);
    const two = await board.readyPage({ agent: "A", limit: 2, cursor: one.nextCursor as string });
    expect(ids(two.items)).toEqual(["T-2", "T-4"]);
    const three = await board.readyPage({ agent: "A", limit: 2, cursor: two.nextCursor as string });
    expect(ids(three.items)).toEqual(["T-1"]);
    expect(three.nextCursor).toBeNull();
    expect(ids(await board.ready())).toEqual(["T-3", "T-4", "T-5", "T-1", "T-2"]);
    expect(ids(await board.ready({ agent: "B" }))).toEqual(["T-3", "T-4", "T-1"]);
    // A cursor from A's reserved part read with no agent: every task comes after it.
    expect(ids((await board.readyPage({ cursor: one.nextCursor as string })).items)).toEqual(["T-3", "T-4", "T-5", "T-1", "T-2"]);
    await expect(board.ready({ limit: 0 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
}

/**
 * A page of the ready list costs about the page, not the board (issue 10: `baton ready` read
 * and sorted all 450,000 pending tasks, 45 s under load). Proved by counting the task rows the
 * store hands the board (test/support/counting-store.ts) on a 5,000-task board, not by timing:
 * before the walk every page read all 5,000 pending tasks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { Board } from "../../src/index.js";
import { openStore } from "../../src/store/open.js";
import { countingStore } from "../support/counting-store.js";
import type { RowCounts } from "../support/counting-store.js";

const TASKS = 5_000;
const PAGE = 20;
/** A page's rows plus its look-ahead row and the dependencies read for it, with room to spare. */
const BOUND = 4 * PAGE;

let dir: string;
let board: Board;
let rows: RowCounts;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "baton-ready-reads-"));
  const counted = countingStore(await openStore(`sqlite:${join(dir, "board.db")}`));
  board = new Board(counted.store);
  rows = counted.rows;
  const priorities = ["low", "critical", "medium", "high"] as const;
  await board.add({ title: "root" });
  for (let from = 0; from < TASKS; from += 1_000) {
    await board.addMany(
      Array.from({ length: 1_000 }, (_, i) => ({
        title: `task ${from + i}`,
        priority: priorities[i % 4],
        // Every third task waits for the pending root: blocked ones interleaved with ready ones.
        ...(i % 3 === 0 && { dependsOn: ["T-1"] }),
        ...(i % 50 === 7 && { assignedTo: `agent-${i % 4}` }),
      })),
    );
  }
  rows.reset();
}, 120_000);

afterEach(async () => {
  await board.close();
  rmSync(dir, { recursive: true, force: true });
});

test(`the first ready page of a ${TASKS}-task board reads at most ${BOUND} task rows, for no agent and for an agent`, async () => {
  for (const who of [{}, { agent: "agent-1" }]) {
    rows.reset();
    const page = await board.readyPage({ ...who, limit: PAGE });
    expect(page.items).toHaveLength(PAGE);
    expect(page.nextCursor).not.toBeNull();
    expect(rows.total(), shown(rows)).toBeLessThanOrEqual(BOUND);
  }
});

test("a ready page from a cursor deep in the list reads about the page too; so does ready with a limit", async () => {
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) cursor = (await board.readyPage({ limit: PAGE, ...(cursor && { cursor }) })).nextCursor as string;
  rows.reset();
  const deep = await board.readyPage({ limit: PAGE, cursor: cursor as string });
  expect(deep.items).toHaveLength(PAGE);
  expect(rows.total(), shown(rows)).toBeLessThanOrEqual(BOUND);
  rows.reset();
  expect(await board.ready({ limit: 5 })).toHaveLength(5);
  expect(rows.total(), shown(rows)).toBeLessThanOrEqual(BOUND);
});

const shown = (counts: RowCounts): string => `task rows read per method: ${JSON.stringify(Object.fromEntries(counts.byMethod))}`;

/**
 * The bounded walk behind health's "oldest ready task" (src/board/oldest-ready.ts): exact when
 * it ends, and marked inexact when it stops at its bound with tasks it has not read; blocked
 * tasks are walked past, never named.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { oldestReady } from "../../src/board/oldest-ready.js";
import { openBoard } from "../../src/index.js";
import type { Board } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "baton-oldest-ready-"));
let board: Board;
let clock = Date.parse("2026-01-01T00:00:00.000Z");

beforeAll(async () => {
  board = await openBoard(`sqlite:${join(dir, "board.db")}`, { clock: () => clock });
  // T-1 is held, so T-2…T-5 (which depend on it) are blocked; T-6 and T-7 are ready, T-6 the older.
  await board.add({ title: "held" });
  await board.claim({ agent: "A", ids: ["T-1"] });
  for (let i = 2; i <= 5; i++) {
    clock += 1000;
    await board.add({ title: `blocked ${i}`, dependsOn: ["T-1"] });
  }
  for (let i = 6; i <= 7; i++) {
    clock += 1000;
    await board.add({ title: `ready ${i}` });
  }
});

afterAll(async () => {
  await board.close();
  rmSync(dir, { recursive: true, force: true });
});

const walk = (bounds: { most?: number; page?: number }) =>
  board.store.read(async (tx) => {
    const found = await oldestReady(tx, bounds);
    return { id: found.task?.id, walked: found.walked, exact: found.exact };
  });

it("walks past blocked tasks, page by page, and stops at the first task created after the best one's last change", async () => {
  // T-7 was created after T-6 last changed: it is not read.
  expect(await walk({ page: 2 })).toEqual({ id: "T-6", walked: 5, exact: true });
  expect(await walk({})).toEqual({ id: "T-6", walked: 5, exact: true });
});

it("stopped at its bound: inexact while an unread task could have waited longer, exact when none could", async () => {
  expect(await walk({ most: 3, page: 2 })).toEqual({ id: undefined, walked: 3, exact: false });
  expect(await walk({ most: 4, page: 4 })).toEqual({ id: undefined, walked: 4, exact: false });
  // The next unread task (T-7) was created after T-6's last change: T-6 is the answer.
  expect(await walk({ most: 5, page: 2 })).toEqual({ id: "T-6", walked: 5, exact: true });
});

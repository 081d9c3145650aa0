/**
 * A board of 450,000 tasks through the CLI (issue: `baton list` crashed with "Maximum call
 * stack size exceeded" and `ready --json` printed 39 MB): lists answer one page with a notice
 * of how many follow and the cursor for the next page, the cursor gives exactly the next
 * page, and `--all` streams the whole board with a 64 MB heap (it would not fit in memory).
 *
 * `health` names the oldest ready task without reading every pending task (src/board/oldest-ready.ts).
 *
 * The board is generated in SQL, in the store's own schema, in about a second: adding 450k
 * tasks through the board would take minutes.
 */
import { spawn, spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, openSync, closeSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, test } from "vitest";
import { idOrderKey } from "../../src/core/selection.js";
import { openBoard } from "../../src/index.js";
import { rowFromTask } from "../../src/store/sqlite/rows.js";
import { CLI, baton } from "./cli.js";
import type { Task } from "../../src/index.js";

const TASKS = 450_000;
const dir = mkdtempSync(join(tmpdir(), "baton-scale-"));
const store = `sqlite:${join(dir, "board.db")}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await (await openBoard(store)).close();
  const db = new Database(join(dir, "board.db"));
  db.function("id_order_of", { deterministic: true }, (id: unknown) => idOrderKey(String(id)));
  const at = "2030-01-01T00:00:00.000Z";
  const template = rowFromTask({
    id: "T-0", title: "", description: "", metadata: {}, result: null, status: "pending", priority: "medium",
    needs: [], dependsOn: [], assignedTo: null, leaseToken: null, leaseExpiresAt: null, attempts: 0, maxAttempts: 3,
    nextAttemptAt: null, lastError: null, createdAt: at, updatedAt: at, createdBy: null, version: 1,
  } satisfies Task);
  const fixed = Object.keys(template).filter((c) => c !== "id" && c !== "title");
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${TASKS})
       INSERT INTO tasks (id, id_order, title, ${fixed.join(", ")})
       SELECT 'T-' || i, id_order_of('T-' || i), 'task ' || i, ${fixed.map((c) => `@${c}`).join(", ")} FROM n`,
    ).run(Object.fromEntries(fixed.map((c) => [c, (template as unknown as Record<string, unknown>)[c]])));
    db.prepare("INSERT INTO counters (prefix, value) VALUES ('T', ?)").run(TASKS);
  })();
  db.close();
}, 120_000);

const ids = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `T-${from + i}`);

test(`list on ${TASKS} tasks prints one page of 100 and how to get the rest; the cursor gives the next page`, () => {
  const human = baton(["list", "--store", store], { cwd: dir });
  expect(human.stderr).toBe("");
  expect(human.code).toBe(0);
  const lines = human.stdout.trimEnd().split("\n");
  expect(lines).toHaveLength(1 + 100 + 1);
  expect(lines[1]).toMatch(/^T-1 +pending/);
  expect(lines[100]).toMatch(/^T-100 +pending/);
  const notice = /^449900 more tasks; use --cursor (\S+) for the next page, or --limit N \/ --all$/.exec(lines[101] as string);
  expect(notice).not.toBeNull();

  const json = baton(["list", "--json", "--store", store, "--cursor", notice?.[1] as string], { cwd: dir });
  expect(json.code).toBe(0);
  expect((JSON.parse(json.stdout) as { id: string }[]).map((t) => t.id)).toEqual(ids(101, 200));
  const more = JSON.parse(json.stderr) as { more: number; next_cursor: string };
  expect(more.more).toBe(TASKS - 200);
  const third = baton(["list", "--json", "--store", store, "--limit", "3", "--cursor", more.next_cursor], { cwd: dir });
  expect((JSON.parse(third.stdout) as { id: string }[]).map((t) => t.id)).toEqual(ids(201, 203));
}, 60_000);

test(`ready --json on ${TASKS} tasks prints the best 20, not the whole board`, () => {
  const ready = baton(["ready", "--json", "--store", store], { cwd: dir });
  expect(ready.code).toBe(0);
  expect((JSON.parse(ready.stdout) as { id: string }[]).map((t) => t.id)).toEqual(ids(1, 20));
  expect(ready.stdout.length).toBeLessThan(20_000);
  // Not counted: that would check all 450k tasks' dependencies (src/board/task-reads.ts readyPage).
  const more = JSON.parse(ready.stderr) as { more: null; next_cursor: string };
  expect(more).toEqual({ more: null, next_cursor: expect.any(String) });
  const next = baton(["ready", "--store", store, "--limit", "2", "--cursor", more.next_cursor], { cwd: dir });
  const lines = next.stdout.trimEnd().split("\n");
  expect(lines.slice(1, 3).map((l) => l.split(" ")[0])).toEqual(["T-21", "T-22"]);
  expect(lines[3]).toMatch(/^more ready tasks follow; use --cursor \S+ for the next page, or --limit N \/ --all$/);
}, 120_000);

test(`health on ${TASKS} tasks names the oldest ready task and counts the pending without reading them all (64 MB heap)`, () => {
  // With every pending task read (as before), health needed ~1.3 GB here; the walk reads a page.
  const health = spawnSync(process.execPath, ["--max-old-space-size=64", CLI, "health", "--json", "--no-integrity", "--store", store], {
    cwd: dir,
    encoding: "utf8",
  });
  expect(health.stderr).toBe("");
  expect(health.status).toBe(0);
  const report = JSON.parse(health.stdout) as { healthy: boolean; checks: { name: string; ok: boolean; detail: string }[] };
  expect(report.healthy).toBe(true);
  const oldest = report.checks.find((check) => check.name === "oldest ready task");
  expect(oldest).toEqual({ name: "oldest ready task", ok: true, detail: `T-1 has waited 0s (${TASKS} pending)` });
}, 120_000);

test(`ready --all --json streams all ${TASKS} ready tasks in claim order with a 64 MB heap`, async () => {
  const out = join(dir, "ready.json");
  expect(await streamTo(out, ["ready", "--all", "--json"])).toBe(0);
  expect(await idsInOrder(out)).toEqual({ count: TASKS, outOfOrder: 0, whole: true });
}, 180_000);

test(`list --all --json streams all ${TASKS} tasks in order with a 64 MB heap`, async () => {
  const out = join(dir, "all.json");
  expect(await streamTo(out, ["list", "--all", "--json"])).toBe(0);
  expect(await idsInOrder(out)).toEqual({ count: TASKS, outOfOrder: 0, whole: true });
}, 180_000);

/** Runs baton with a 64 MB heap (the whole board would not fit), stdout to `out`; its exit code. */
async function streamTo(out: string, args: string[]): Promise<number> {
  const fd = openSync(out, "w");
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ["--max-old-space-size=64", CLI, ...args, "--store", store], {
        cwd: dir,
        stdio: ["ignore", fd, "inherit"],
      });
      child.on("error", reject);
      child.on("close", (c) => resolve(c ?? -1));
    });
  } finally {
    closeSync(fd);
  }
}

/** Counts the ids T-1, T-2, … of a JSON array file, read back as a stream (it is ~170 MB). */
async function idsInOrder(file: string): Promise<{ count: number; outOfOrder: number; whole: boolean }> {
  let count = 0;
  let expected = 1;
  let outOfOrder = 0;
  let tail = "";
  let first = "";
  const see = (text: string): void => {
    for (const m of text.matchAll(/"id":"T-(\d+)"/g)) {
      count++;
      if (Number(m[1]) !== expected++) outOfOrder++;
    }
  };
  for await (const chunk of createReadStream(file, { encoding: "utf8" })) {
    const text = tail + (chunk as string);
    if (first === "") first = text.slice(0, 2);
    const cut = text.lastIndexOf("},{");
    see(cut < 0 ? "" : text.slice(0, cut));
    tail = cut < 0 ? text : text.slice(cut);
  }
  see(tail);
  return { count, outOfOrder, whole: first === "[{" && tail.endsWith("}]\n") };
}

/**
 * The ready list on a big SQLite board (issue 10: `baton ready` took 45 s on 450,000 tasks:
 * it read and sorted every pending task). Boards of 1,000 and 450,000 pending tasks, mixed
 * priorities, every fifth waiting for a pending task (blocked ones interleaved with ready
 * ones), a few reserved; filled in SQL in the store's own schema. Printed: the library's first
 * ready page (20, no agent and for an agent) and a page from a cursor 50 pages in, and the
 * `baton ready` CLI call, each at both sizes, and the ratio 450k ÷ 1k (target: about 1, a page
 * costs the page, not the board).
 *
 *   BENCH_READY_TASKS [450000]  the big board    BENCH_READY_RUNS [15]  runs of each read
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { idOrderKey } from "../../src/core/selection.js";
import { openBoard } from "../../src/index.js";
import type { Board } from "../../src/index.js";
import type { BenchSection } from "../report.js";

const BIG = Number(process.env.BENCH_READY_TASKS ?? 450_000);
const SMALL = 1_000;
const RUNS = Number(process.env.BENCH_READY_RUNS ?? 15);
const CLI = join(process.cwd(), "dist", "src", "cli", "main.js");
const PAGE = 20;

interface Figures {
  firstPageMs: number;
  agentPageMs: number;
  deepPageMs: number;
  cliMs: number;
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "baton-bench-ready-"));
  try {
    const small = await measure(join(dir, "small.db"), SMALL);
    const big = await measure(join(dir, "big.db"), BIG);
    const row = (name: string, key: keyof Figures): (string | number)[] => [name, small[key], big[key], big[key] / small[key]];
    return {
      title: "ready",
      tables: [
        {
          title: `ready on ${SMALL.toLocaleString("en-US")} and ${BIG.toLocaleString("en-US")} pending tasks (SQLite; median of ${RUNS})`,
          columns: ["read", `${SMALL} tasks (ms)`, `${BIG} tasks (ms)`, "÷"],
          rows: [
            row(`readyPage, first ${PAGE}, no agent`, "firstPageMs"),
            row(`readyPage, first ${PAGE}, for an agent`, "agentPageMs"),
            row(`readyPage, ${PAGE} after 50 pages`, "deepPageMs"),
            row("baton ready (CLI wall time)", "cliMs"),
          ],
        },
      ],
      ratios: [
        { name: `ready first page: ${BIG} ÷ ${SMALL} tasks`, value: big.firstPageMs / small.firstPageMs, target: "<= 3", met: big.firstPageMs / small.firstPageMs <= 3 },
        { name: `baton ready at ${BIG} tasks (ms)`, value: big.cliMs },
      ],
      notes: ["2 shared cores: times are noisy; the ratio is what the walk is for."],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(path: string, tasks: number): Promise<Figures> {
  await fill(path, tasks);
  const board = await openBoard(`sqlite:${path}`);
  try {
    const deepCursor = await cursorAfterPages(board, 50);
    const figures = {
      firstPageMs: await median(() => board.readyPage({ limit: PAGE })),
      agentPageMs: await median(() => board.readyPage({ agent: "agent-1", limit: PAGE })),
      deepPageMs: await median(() => board.readyPage({ limit: PAGE, cursor: deepCursor })),
      cliMs: 0,
    };
    const cli: number[] = [];
    for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 3)); i++) {
      const t0 = performance.now();
      const result = spawnSync(process.execPath, [CLI, "ready", "--store", `sqlite:${path}`], { stdio: ["ignore", "ignore", "pipe"] });
      cli.push(performance.now() - t0);
      if (result.status !== 0) throw new Error(`baton ready exited ${result.status}: ${result.stderr}`);
    }
    return { ...figures, cliMs: middle(cli) };
  } finally {
    await board.close();
  }
}

async function cursorAfterPages(board: Board, pages: number): Promise<string> {
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) cursor = (await board.readyPage({ limit: PAGE, ...(cursor && { cursor }) })).nextCursor as string;
  return cursor as string;
}

async function median(read: () => Promise<unknown>): Promise<number> {
  await read(); // warm the page cache and the prepared statements
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await read();
    times.push(performance.now() - t0);
  }
  return middle(times);
}

function middle(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

/** `tasks` pending tasks in the board's schema: T-1 first, every fifth after it waiting for it. */
export async function fill(path: string, tasks: number): Promise<void> {
  await (await openBoard(`sqlite:${path}`)).close();
  const db = new Database(path);
  db.function("id_order_of", { deterministic: true }, (id: unknown) => idOrderKey(String(id)));
  const at = "2030-01-01T00:00:00.000Z";
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO tasks (id, id_order, title, status, priority, priority_rank, depends_on, assigned_to, max_attempts, created_at, updated_at)
       SELECT 'T-' || i, id_order_of('T-' || i), 'task ' || i, 'pending',
         CASE i % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'critical' WHEN 2 THEN 'medium' ELSE 'high' END,
         CASE i % 4 WHEN 0 THEN 3 WHEN 1 THEN 0 WHEN 2 THEN 2 ELSE 1 END,
         CASE WHEN i > 1 AND i % 5 = 0 THEN '["T-1"]' ELSE '[]' END,
         CASE WHEN i % 97 = 0 THEN 'agent-' || (i % 3) END, 3, ?, ? FROM n`,
    ).run(tasks, at, at);
    db.prepare("INSERT INTO task_dependencies (depends_on, task_id) SELECT 'T-1', id FROM tasks WHERE depends_on = '[\"T-1\"]'").run();
    db.prepare("INSERT INTO counters (prefix, value) VALUES ('T', ?)").run(tasks);
  })();
  db.close();
}

/**
 * Audit queries at scale (SQLite): by agent, by type and by task on boards of 1k / 100k / 1M
 * events (median of 50 queries of 100 events each; the ratio 1M ÷ 1k shows whether a query
 * walks an index or the table), then export throughput and peak RSS over the 1M-event trail.
 * Last, on the biggest board: `audit rotate` of its older half (events/s) and the export again,
 * half of it now read from the archive file.
 * The boards are filled with direct SQL inserts (bench/sqlite/bulk-board.ts, one event every
 * 10 ms from 2026-01-01). Knob: BENCH_AUDIT_SIZES [1000,100000,1000000].
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBoard } from "../../src/index.js";
import type { AuditQuery, Board } from "../../src/index.js";
import { fillBoard } from "../sqlite/bulk-board.js";
import type { BenchRatio, BenchSection, BenchTable } from "../report.js";

const sizes = (process.env.BENCH_AUDIT_SIZES ?? "1000,100000,1000000").split(",").map(Number);
async function medianMs(board: Board, query: AuditQuery, runs = 50): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await board.audit(query);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "baton-bench-audit-"));
  const tables: BenchTable[] = [];
  const ratios: BenchRatio[] = [];
  try {
    const queries: [string, (size: number) => AuditQuery][] = [
      ["by agent (recent 100)", () => ({ agent: "agent-7", recent: 100 })],
      ["by agent (first 100)", () => ({ agent: "agent-7", limit: 100 })],
      ["by type FAILED (recent 100)", () => ({ type: "FAILED", recent: 100 })],
      ["errors (recent 100)", () => ({ errors: true, recent: 100 })],
      ["by type CLAIMED (recent 100)", () => ({ type: "CLAIMED", recent: 100 })],
      ["by task (middle of the trail)", (size) => ({ taskId: `T-${Math.floor(size / 16)}` })],
    ];
    const results = new Map<number, number[]>();
    let exportRow: (string | number)[] | null = null;
    let rotateRow: (string | number)[] | null = null;
    for (const size of sizes) {
      const path = join(dir, `board-${size}.db`);
      await fillBoard(path, { events: size });
      const board = await openBoard(`sqlite:${path}`);
      const row: number[] = [];
      for (const [, query] of queries) row.push(await medianMs(board, query(size)));
      results.set(size, row);
      if (size === sizes[sizes.length - 1]) {
        let peak = process.memoryUsage().rss;
        const before = peak;
        const t0 = performance.now();
        let n = 0;
        for await (const page of board.auditPages()) {
          for (const event of page) JSON.stringify(event);
          n += page.length;
          peak = Math.max(peak, process.memoryUsage().rss);
        }
        const seconds = (performance.now() - t0) / 1000;
        exportRow = [size.toLocaleString("en-US"), Math.round(n / seconds), Math.round(before / 2 ** 20), Math.round(peak / 2 ** 20)];
        const half = new Date(Date.parse("2026-01-01T00:00:00Z") + (size / 2) * 10).toISOString();
        const r0 = performance.now();
        const rotated = await board.rotateAudit({ before: half });
        const rotateSeconds = (performance.now() - r0) / 1000;
        const e0 = performance.now();
        let m = 0;
        for await (const page of board.auditPages()) m += page.length;
        const exportSeconds = (performance.now() - e0) / 1000;
        rotateRow = [size.toLocaleString("en-US"), rotated.archive?.count ?? 0, Math.round((rotated.archive?.count ?? 0) / rotateSeconds), Math.round(m / exportSeconds)];
      }
      await board.close();
    }
    tables.push({
      title: "Audit query latency, median of 50 (ms)",
      columns: ["query", ...sizes.map((s) => `${s.toLocaleString("en-US")} events`)],
      rows: queries.map(([name], i) => [name, ...sizes.map((s) => (results.get(s) as number[])[i] as number)]),
    });
    const small = sizes[0] as number;
    const big = sizes[sizes.length - 1] as number;
    queries.forEach(([name], i) => {
      const value = ((results.get(big) as number[])[i] as number) / ((results.get(small) as number[])[i] as number);
      ratios.push({ name: `${name}: ${big} ÷ ${small} events`, value, target: "<= 2", met: value <= 2 });
    });
    if (exportRow) {
      tables.push({
        title: "Export of the whole trail, page by page (events serialized as JSON)",
        columns: ["events", "events/s", "RSS before (MB)", "peak RSS (MB)"],
        rows: [exportRow],
      });
    }
    if (rotateRow) {
      tables.push({
        title: "audit rotate of the older half, then the whole trail read again (archive + table)",
        columns: ["events", "archived", "rotate events/s", "read events/s after"],
        rows: [rotateRow],
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: "audit", tables, ratios, notes: ["2 shared cores: compare ratios from the same run."] };
}

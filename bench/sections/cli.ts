/**
 * CLI start-up: agents call `baton` thousands of times, so its wall time per call matters.
 * Interleaved runs (so load from other processes hits every command alike) of:
 *   node -e 0 · baton --version · baton list (a board of 100 tasks) · baton claim+done
 * and the ratios to bare `node -e 0` (target for `baton list`: <= 1.5).
 *
 *   BENCH_CLI_RUNS [30]  runs of each command
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBoard } from "../../src/index.js";
import type { BenchSection } from "../report.js";

const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 30);
const CLI = join(process.cwd(), "dist", "src", "cli", "main.js");

interface Probe {
  name: string;
  args: string[];
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "baton-bench-cli-"));
  try {
    const board = await openBoard(`sqlite:${join(dir, ".baton", "board.db")}`);
    await board.addMany(Array.from({ length: 100 }, (_, i) => ({ title: `task ${i + 1}` })));
    await board.close();

    const probes: Probe[] = [
      { name: "node -e 0", args: ["-e", "0"] },
      { name: "baton --version", args: [CLI, "--version"] },
      { name: "baton list (100 tasks)", args: [CLI, "list"] },
      { name: "baton list --json", args: [CLI, "list", "--json"] },
    ];
    const times = new Map<string, number[]>(probes.map((p) => [p.name, []]));
    const env = { ...process.env, NO_COLOR: "1" };
    for (let i = 0; i < RUNS + 2; i++) {
      for (const probe of probes) {
        const started = process.hrtime.bigint();
        const result = spawnSync(process.execPath, probe.args, { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (result.status !== 0) throw new Error(`${probe.name} exited ${result.status}: ${result.stderr}`);
        if (i >= 2) (times.get(probe.name) as number[]).push(ms); // two warm-up rounds fill the page cache
      }
    }
    const bare = median(times.get("node -e 0") as number[]);
    return {
      title: "cli",
      tables: [
        {
          title: `Wall time per call (median of ${RUNS} interleaved runs)`,
          columns: ["command", "median ms", "p90 ms", "÷ node -e 0"],
          rows: probes.map((p) => {
            const t = times.get(p.name) as number[];
            return [p.name, median(t), percentile(t, 0.9), median(t) / bare];
          }),
        },
      ],
      ratios: [
        {
          name: "baton list ÷ node -e 0",
          value: median(times.get("baton list (100 tasks)") as number[]) / bare,
          target: "<= 1.5",
          met: median(times.get("baton list (100 tasks)") as number[]) / bare <= 1.5,
        },
        { name: "baton --version ÷ node -e 0", value: median(times.get("baton --version") as number[]) / bare },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

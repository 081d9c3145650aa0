/**
 * CLI start-up: agents call `baton` thousands of times, so its wall time per call matters.
 * Interleaved runs (so load from other processes hits every command alike) of:
 *   node -e 0 · baton --version · baton list (a board of 100 tasks) · baton claim+done
 * and the ratios to bare `node -e 0` (target for `baton list`: <= 1.5). Beside the wall time, the
 * CPU time per call (Linux: the children's user+system time from /proc/self/stat), which load
 * from other processes on a shared machine hardly moves, so a change is visible there first.
 *
 *   BENCH_CLI_RUNS [30]     runs of each command
 *   BENCH_CLI_COMPARE       another build's dist/src/cli/main.js: its --version and list run
 *                           in the same rounds, as "(compare)" rows (a before/after in one run)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBoard } from "../../src/index.js";
import type { BenchSection } from "../report.js";

const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 30);
const CLI = join(process.cwd(), "dist", "src", "cli", "main.js");
const COMPARE = process.env.BENCH_CLI_COMPARE;

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
      ...(COMPARE
        ? [
            { name: "baton --version (compare)", args: [COMPARE, "--version"] },
            { name: "baton list (compare)", args: [COMPARE, "list"] },
          ]
        : []),
    ];
    const times = new Map<string, number[]>(probes.map((p) => [p.name, []]));
    const cpu = new Map<string, number>(probes.map((p) => [p.name, 0]));
    const env = { ...process.env, NO_COLOR: "1" };
    for (let i = 0; i < RUNS + 2; i++) {
      for (const probe of probes) {
        const cpuBefore = childrenCpuMs();
        const started = process.hrtime.bigint();
        const result = spawnSync(process.execPath, probe.args, { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (result.status !== 0) throw new Error(`${probe.name} exited ${result.status}: ${result.stderr}`);
        if (i < 2) continue; // two warm-up rounds fill the page cache
        (times.get(probe.name) as number[]).push(ms);
        const cpuAfter = childrenCpuMs();
        if (cpuBefore !== null && cpuAfter !== null) cpu.set(probe.name, (cpu.get(probe.name) as number) + cpuAfter - cpuBefore);
      }
    }
    const bare = median(times.get("node -e 0") as number[]);
    return {
      title: "cli",
      tables: [
        {
          title: `Wall time per call (median of ${RUNS} interleaved runs)`,
          columns: ["command", "median ms", "p90 ms", "÷ node -e 0", "CPU ms (mean)", "CPU ÷ node -e 0"],
          rows: probes.map((p) => {
            const t = times.get(p.name) as number[];
            const wall = [p.name, median(t), percentile(t, 0.9), median(t) / bare];
            if (childrenCpuMs() === null) return [...wall, "n/a", "n/a"];
            const cpuMs = (cpu.get(p.name) as number) / RUNS;
            return [...wall, cpuMs, cpuMs / ((cpu.get("node -e 0") as number) / RUNS)];
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

/**
 * The CPU time (user + system, ms) of this process's waited-for children so far: fields 16 and
 * 17 of /proc/self/stat, in USER_HZ ticks (100 a second on Linux). null where there is no /proc.
 */
function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    // After "pid (comm) ", field 3 (state) is index 0: cutime (16) is index 13, cstime (17) 14.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

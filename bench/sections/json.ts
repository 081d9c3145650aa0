/**
 * The JSON store: claim + complete throughput against board size and process count, in both
 * durability modes, with the p99 wait for tasks.lock; and, in the same run, the bare cost of
 * the design on this disk — writing a 1,000-task tasks.json to a temp file and renaming it
 * (with and without fsync of the file and the directory) — so the store's transactions/s can
 * be read as a fraction of that limit. Each claim and each complete is one transaction = one
 * rewrite of tasks.json, so the fraction compares transactions/s with bare writes/s.
 */
import { spawn } from "node:child_process";
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Board } from "../../src/board.js";
import { openJsonStore } from "../../src/store/json/json-store.js";
import type { Durability } from "../../src/store/store.js";
import type { BenchSection, BenchTable } from "../report.js";

/** Knobs for short runs while iterating: e.g. BATON_BENCH_JSON_SIZES=1000 BATON_BENCH_JSON_PROCESSES=4. */
const SIZES = listFromEnv("BATON_BENCH_JSON_SIZES") ?? [100, 1_000, 10_000];
const PROCESSES = listFromEnv("BATON_BENCH_JSON_PROCESSES") ?? [1, 4, 16];
const DURABILITIES: Durability[] = ["normal", "full"];
const RUN_MS = Number(process.env.BATON_BENCH_JSON_MS ?? 1_500);
const BARE_MS = 1_000;

interface RunResult {
  txPerSecond: number;
  pairsPerSecond: number;
  lockWaitP99Ms: number;
}

export async function run(): Promise<BenchSection> {
  const root = mkdtempSync(join(tmpdir(), "baton-bench-json-"));
  try {
    // The bare write is measured right before and right after the cell it is compared with
    // (1k tasks, 4 processes) and averaged: on a shared machine a figure taken minutes
    // earlier can be twice as fast or slow.
    const bareSamples: { normal: number[]; full: number[] } = { normal: [], full: [] };
    const sampleBare = async (): Promise<void> => {
      const b = await measureBare(root);
      bareSamples.normal.push(b.normal);
      bareSamples.full.push(b.full);
    };
    const results = new Map<string, RunResult>();
    for (const durability of DURABILITIES) {
      for (const size of SIZES) {
        for (const processes of PROCESSES) {
          const compared = size === 1000 && processes === 4;
          if (compared) await sampleBare();
          results.set(`${durability}/${size}/${processes}`, await measureRun(root, durability, size, processes));
          if (compared) await sampleBare();
        }
      }
    }
    if (bareSamples.normal.length === 0) await sampleBare();
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const bare = { normal: mean(bareSamples.normal), full: mean(bareSamples.full) };
    const tables: BenchTable[] = DURABILITIES.map((durability) => ({
      title: `claim + complete, durability=${durability} (transactions/s · pairs/s · lock wait p99 ms)`,
      columns: ["tasks on the board", ...PROCESSES.map((p) => `${p} process${p > 1 ? "es" : ""}`)],
      rows: SIZES.map((size) => [
        size,
        ...PROCESSES.map((p) => {
          const r = results.get(`${durability}/${size}/${p}`) as RunResult;
          return `${Math.round(r.txPerSecond)} tx/s · ${Math.round(r.pairsPerSecond)} pairs/s · p99 ${r.lockWaitP99Ms.toFixed(1)} ms`;
        }),
      ]),
    }));
    tables.push({
      title: "bare cost of the design on this disk (a 1,000-task tasks.json; mean of the samples beside the 1k-task, 4-process runs)",
      columns: ["write", "writes/s", "ms each"],
      rows: [
        ["temp file + rename", Math.round(bare.normal), (1000 / bare.normal).toFixed(2)],
        ["temp file + fsync + rename + fsync dir", Math.round(bare.full), (1000 / bare.full).toFixed(2)],
      ],
    });
    const at = (d: Durability): number => results.get(`${d}/1000/4`)?.txPerSecond ?? NaN;
    return {
      title: "json",
      tables,
      ratios: [
        ratio("durability=normal: transactions/s at 1k tasks, 4 processes ÷ bare temp+rename writes/s", at("normal") / bare.normal),
        ratio("durability=full: transactions/s at 1k tasks, 4 processes ÷ bare fsynced writes/s", at("full") / bare.full),
      ],
      notes: [
        `each run: ${RUN_MS} ms after all workers booted; a transaction is one claim or one complete (one rewrite of tasks.json)`,
        "the bare write has the file's bytes ready; a transaction also takes and drops tasks.lock, reads and parses what changed, writes the sidecar journal, keeps tasks.json.bak and appends the audit line",
      ],
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function listFromEnv(name: string): number[] | undefined {
  const list = process.env[name]?.split(",").map(Number);
  return list && list.every((n) => Number.isInteger(n) && n > 0) ? list : undefined;
}

function ratio(name: string, value: number): BenchSection["ratios"][number] {
  return { name, value, target: ">= 0.7", met: value >= 0.7 };
}

async function makeBoard(root: string, durability: Durability, size: number): Promise<string> {
  const path = join(mkdtempSync(join(root, `board-${durability}-${size}-`)), "tasks.json");
  const board = new Board(await openJsonStore(path, { durability: "normal" }));
  for (let done = 0; done < size; done += 1_000) {
    const n = Math.min(1_000, size - done);
    await board.addMany(
      Array.from({ length: n }, (_, i) => ({
        title: `task ${done + i + 1}`,
        description: `Benchmark task ${done + i + 1}: change one thing, run the tests, report back.`,
      })),
    );
  }
  await board.close();
  return path;
}

async function measureBare(root: string): Promise<{ normal: number; full: number }> {
  const path = await makeBoard(root, "normal", 1_000);
  const text = readFileSync(path, "utf8");
  const target = join(dirname(path), "bare.json");
  const rate = (write: () => void): number => {
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < BARE_MS) {
      write();
      n++;
    }
    return (n * 1000) / (performance.now() - started);
  };
  const writeOnce = (durable: boolean): void => {
    const temp = `${target}.tmp`;
    const fd = openSync(temp, "w");
    writeSync(fd, text);
    if (durable) fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, target);
    if (durable) {
      const dir = openSync(dirname(target), "r");
      fsyncSync(dir);
      closeSync(dir);
    }
  };
  return { normal: rate(() => writeOnce(false)), full: rate(() => writeOnce(true)) };
}

async function measureRun(root: string, durability: Durability, size: number, processes: number): Promise<RunResult> {
  const path = await makeBoard(root, durability, size);
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "json", "claim-worker.js");
  const workers = Array.from({ length: processes }, (_, i) => {
    const child = spawn(
      process.execPath,
      [script, JSON.stringify({ path, durability, agent: `bench-${i + 1}`, durationMs: RUN_MS })],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    let out = "";
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("ready\n")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`json bench worker bench-${i + 1} exited with ${code} before it was ready`)));
    });
    const done = new Promise<{ pairs: number; elapsedMs: number; lockWaitsMs: number[] }>((resolve, reject) => {
      child.on("close", (code) => {
        const line = /^result (.*)$/m.exec(out);
        if (code !== 0) reject(new Error(`json bench worker bench-${i + 1} failed (exit ${code})`));
        else if (!line) reject(new Error(`json bench worker bench-${i + 1} exited 0 without printing its result line`));
        else resolve(JSON.parse(line[1] as string));
      });
    });
    return { child, ready, done };
  });
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.child.stdin.end("go\n");
  const outcomes = await Promise.all(workers.map((w) => w.done));
  const pairs = outcomes.reduce((sum, o) => sum + o.pairs, 0);
  const seconds = Math.max(...outcomes.map((o) => o.elapsedMs)) / 1000;
  const waits = outcomes.flatMap((o) => o.lockWaitsMs).sort((a, b) => a - b);
  return {
    pairsPerSecond: pairs / seconds,
    txPerSecond: (2 * pairs) / seconds,
    lockWaitP99Ms: waits[Math.min(waits.length - 1, Math.floor(waits.length * 0.99))] ?? 0,
  };
}

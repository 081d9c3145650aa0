/**
 * The benches' /proc readers (bench/proc-cpu.ts): the local writer's CPU per cycle and the
 * machine's idle share in `npm run bench -- sqlite`, serve's CPU in `-- http`, rest on them.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { findProcess, machineCpuMicros, processCpuMicros } from "../../bench/proc-cpu.js";
import type { ChildProcess } from "node:child_process";

const onLinux = existsSync("/proc/self/stat");
let child: ChildProcess | null = null;

afterEach(() => {
  child?.kill("SIGKILL");
  child = null;
});

describe.skipIf(!onLinux)("bench/proc-cpu.ts (needs Linux's /proc)", () => {
  it("counts a process's CPU time, and it grows while the process works", () => {
    const before = processCpuMicros(process.pid) as number;
    const until = performance.now() + 120;
    let spin = 0;
    while (performance.now() < until) spin++;
    const after = processCpuMicros(process.pid) as number;
    expect(spin).toBeGreaterThan(0);
    expect(before).toBeGreaterThan(0);
    // 120 ms of spinning, counted in 10 ms ticks: at least a few of them.
    expect(after - before).toBeGreaterThanOrEqual(50_000);
  });

  it("answers undefined for a process that is not there, or no pid", () => {
    expect(processCpuMicros(2 ** 30)).toBeUndefined();
    expect(processCpuMicros(undefined)).toBeUndefined();
  });

  it("splits the machine's CPU time into busy and idle, both growing", async () => {
    const before = machineCpuMicros();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = machineCpuMicros();
    expect(before && after).toBeTruthy();
    if (!before || !after) return;
    expect(after.busy).toBeGreaterThanOrEqual(before.busy);
    expect(after.idle).toBeGreaterThanOrEqual(before.idle);
    expect(after.busy - before.busy + (after.idle - before.idle)).toBeGreaterThan(0);
  });

  it("finds a running process by every part of its command line, and only that one", async () => {
    const marker = `proc-cpu-${randomUUID()}`;
    child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)", marker], { stdio: "ignore" });
    await new Promise((resolve) => child?.once("spawn", resolve));
    expect(findProcess([marker, "setTimeout"])).toBe(child.pid);
    expect(findProcess([marker, "not-in-its-command-line"])).toBeUndefined();
    expect(findProcess([`proc-cpu-${randomUUID()}`])).toBeUndefined();
  });
});

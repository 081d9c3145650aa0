/**
 * Stale locks: a holder SIGKILLed while holding is broken only past the stale threshold, and
 * the break is logged; a live holder past the threshold is never broken; eight processes
 * breaking one stale lock at once still give one holder at a time. Plus the refusals: links,
 * a missing directory, an unwritable one, and re-entrant use.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withFileLock, writeFileAtomic } from "../../src/index.js";
import { spawnWorker } from "../support/processes.js";
import { CLI, cleanEnv, lockDir, run } from "./support.js";

/** As root, permission bits do not apply: run the CLI as nobody so that chmod means something. */
const AS_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

function lockCli(dir: string, args: string[]): Promise<ReturnType<typeof run> extends Promise<infer R> ? R : never> {
  return run(process.execPath, [CLI, "lock", ...args], dir);
}

async function holder(file: string, staleMs: number): Promise<ReturnType<typeof spawnWorker>> {
  const w = spawnWorker("file-lock-worker", { mode: "hold", file, staleMs });
  await w.ready;
  w.go();
  await new Promise<void>((resolve) => w.child.stdout!.on("data", (c: Buffer) => c.toString().includes("holding") && resolve()));
  return w;
}

describe("file locks: stale holders", () => {
  it("a holder SIGKILLed while holding is broken only after the stale threshold, and the break is logged", async () => {
    const dir = lockDir();
    const file = join(dir, "state.json");
    const w = await holder(file, 30_000);
    w.kill();
    await w.exited;
    const young = await lockCli(dir, [file, "--stale", "4s", "--timeout", "200ms", "--json", "--", "true"]);
    expect(young.code, young.stderr).toBe(6);
    expect(young.stderr).toContain("younger than the stale threshold");
    expect(young.stderr).not.toContain("LOCK_BROKEN");
    const later = await lockCli(dir, [file, "--stale", "4s", "--timeout", "60s", "--", "true"]);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stderr).toContain("LOCK_BROKEN");
    expect(later.stderr).toContain(`its process ${w.child.pid} is gone from this host`);
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 120_000);

  it("a live holder past the threshold is never broken: LOCK_TIMEOUT names it and why", async () => {
    const dir = lockDir();
    const file = join(dir, "state.json");
    const w = await holder(file, 1_000);
    const before = readFileSync(`${file}.lock`, "utf8");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const status = await lockCli(dir, [file, "--status", "--stale", "1s", "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ held: true, stale: false, holder: { pid: w.child.pid } });
    const taker = await lockCli(dir, [file, "--stale", "1s", "--timeout", "1s", "--", "true"]);
    expect(taker.code, taker.stderr).toBe(6);
    expect(taker.stderr).toContain(`its process ${w.child.pid} is still alive on this host`);
    expect(taker.stderr).toContain(`worker-${w.child.pid}`);
    expect(readFileSync(`${file}.lock`, "utf8")).toBe(before);
    w.kill();
    await w.exited;
  }, 60_000);

  it("8 processes breaking one stale lock at once: exactly one holder at a time, one break logged", async () => {
    const dir = lockDir();
    const file = join(dir, "state.json");
    const log = join(dir, "enter-exit.log");
    const gone = spawnSync(process.execPath, ["-e", ""]).pid as number; // a pid now gone
    writeFileSync(`${file}.lock`, JSON.stringify({ agent_id: "dead", timestamp: "2020-01-01T00:00:00.000Z", pid: gone, host: hostname() }));
    utimesSync(`${file}.lock`, new Date("2020-01-01"), new Date("2020-01-01"));
    const workers = Array.from({ length: 8 }, () => spawnWorker("file-lock-worker", { mode: "enter-exit", file, log, staleMs: 1_000 }));
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const exits = await Promise.all(workers.map((w) => w.exited));
    for (const e of exits) expect(e.code, e.stderr).toBe(0);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    expect(lines).toHaveLength(16);
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]).toMatch(/^enter \d+$/);
      expect(lines[i + 1]).toBe(lines[i]!.replace("enter", "exit"));
    }
    const breaks = exits.map((e) => e.stderr.split("\n").filter((l) => l.includes("LOCK_BROKEN")).length);
    expect(breaks.reduce((a, b) => a + b, 0)).toBe(1);
  }, 60_000);
});

describe("file locks: refusals", () => {
  it("a symlinked FILE.lock or FILE is refused, and nothing is written through it", async () => {
    const dir = lockDir();
    const target = join(dir, "elsewhere");
    writeFileSync(target, "precious");
    const file = join(dir, "state.json");
    symlinkSync(target, `${file}.lock`);
    const viaLock = await lockCli(dir, [file, "--json", "--", "true"]);
    expect(viaLock.code).toBe(1);
    expect(JSON.parse(viaLock.stderr).error.message).toContain(`${file}.lock is a symbolic link`);
    const linked = join(dir, "linked.json");
    symlinkSync(target, linked);
    const viaFile = await lockCli(dir, [linked, "--json", "--", "true"]);
    expect(viaFile.code).toBe(1);
    expect(JSON.parse(viaFile.stderr).error.message).toContain(`${linked} is a symbolic link`);
    expect(() => writeFileAtomic(linked, "x")).toThrow(/is a symbolic link/);
    expect(readFileSync(target, "utf8")).toBe("precious");
    expect(readdirSync(dir).sort()).toEqual(["elsewhere", "linked.json", "state.json.lock"]);
  });

  it("a lock path in a missing directory is refused naming it", async () => {
    const dir = lockDir();
    const r = await lockCli(dir, [join(dir, "nope", "state.json"), "--json", "--", "true"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr).error.message).toContain(`its directory ${join(dir, "nope")} does not exist`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an unwritable directory: permission denied naming the lock, nothing created", () => {
    const dir = lockDir();
    const sub = join(dir, "ro");
    mkdirSync(sub);
    chmodSync(sub, 0o555);
    const r = spawnSync(process.execPath, [CLI, "lock", join(sub, "state.json"), "--json", "--", "true"], {
      cwd: dir, encoding: "utf8", env: cleanEnv(), ...AS_USER,
    });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stderr).error.message).toContain(`cannot write ${join(sub, "state.json.lock")}: permission denied`);
    expect(readdirSync(sub)).toEqual([]);
  });

  it("re-entrant use in one process is refused naming the path, not deadlocked", async () => {
    const dir = lockDir();
    const file = join(dir, "state.json");
    const inner = await withFileLock(file, () => withFileLock(file, () => "inner ran").catch((e: Error) => e.message));
    expect(inner).toContain(`already holds (or is waiting for) the lock on ${file}`);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

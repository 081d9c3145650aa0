/**
 * `baton monitor` as a real process: it recovers the task of an agent killed while holding it
 * within two intervals and logs it; it delivers webhooks (signed, one line per attempt); SIGTERM
 * or SIGINT mid-run stops it cleanly with no lock left; two monitors on one board recover each lease exactly once between them; bad input is
 * exit 2 with the board untouched.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { openBoard } from "../../src/index.js";
import { spawnWorker } from "../support/processes.js";
import { Webhooks } from "../../src/webhooks/webhooks.js";
import { startReceiver, TEST_SECRET } from "../webhooks/receiver.js";
import { CLI, baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";
import type { ChildProcess } from "node:child_process";

interface Monitor {
  child: ChildProcess;
  /** Parsed --json log lines so far. */
  entries: Record<string, string>[];
  stderr(): string;
  waitFor(predicate: () => boolean, what: string, ms?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Its exit code, once it exits by itself. */
  exited: Promise<number | null>;
}

function startMonitor(cwd: string, args: readonly string[]): Monitor {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const key of Object.keys(env)) if (key.startsWith("BATON_")) delete env[key];
  const child = spawn(process.execPath, [CLI, "monitor", ...args], { cwd, env });
  const entries: Record<string, string>[] = [];
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    const lines = out.split("\n");
    out = lines.pop() as string;
    // Human mode (no --json) prints text lines: kept whole, as { line }.
    for (const line of lines) {
      if (line.trim()) entries.push(line.startsWith("{") ? (JSON.parse(line) as Record<string, string>) : { line });
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    entries,
    exited,
    stderr: () => err,
    async waitFor(predicate, what, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; monitor stderr: ${err}`);
        if (child.exitCode !== null) throw new Error(`monitor exited (${child.exitCode}) before ${what}: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = "SIGTERM") {
      child.kill(signal);
      return exited;
    },
  };
}

describe("baton monitor", () => {
  test("an agent killed while holding a task: a running monitor --interval 1s recovers it within 2 intervals and logs it", async () => {
    const cwd = freshBoardDir();
    batonJson(["add", "long job"], { cwd });
    const url = `sqlite:${join(cwd, ".baton", "board.db")}`;
    const monitor = startMonitor(cwd, ["--interval", "1s", "--json"]);
    const agent = spawnWorker("heartbeat-agent", { url, agent: "doomed", leaseSeconds: 2, heartbeatMs: 300 });
    await agent.ready;
    agent.go();
    const board = await openBoard(url);
    try {
      const heartbeats = async () => (await board.audit({ taskId: "T-1", type: "HEARTBEAT" })).length;
      const deadline = Date.now() + 30_000;
      while ((await heartbeats()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      agent.kill();
      expect((await agent.exited).signal).toBe("SIGKILL");
      await monitor.waitFor(() => monitor.entries.some((e) => e.action === "recovered"), "the recovery");
      expect(monitor.entries.map((e) => [e.duty, e.action, e.task_id])).toEqual([["heal", "recovered", "T-1"]]);
      const events = await board.audit({ taskId: "T-1" });
      const timeout = events.find((e) => e.type === "TIMEOUT");
      expect(events.filter((e) => e.type === "TIMEOUT")).toHaveLength(1);
      const leased = events.filter((e) => typeof e.data.leaseExpiresAt === "string" && e.seq < (timeout?.seq ?? 0));
      const expiredAt = Date.parse(leased.at(-1)?.data.leaseExpiresAt as string);
      const recoveredAt = Date.parse(timeout?.at as string);
      expect(recoveredAt).toBeGreaterThanOrEqual(expiredAt);
      expect(recoveredAt - expiredAt).toBeLessThanOrEqual(2 * 1000);
      expect(await board.get("T-1")).toMatchObject({ status: "pending", attempts: 1, assignedTo: null });
    } finally {
      await board.close();
      agent.kill();
      expect(await monitor.stop()).toBe(0);
    }
  }, 90_000);

  test("monitor --once delivers the board's due webhook events, each a signed request and one logged action", async () => {
    const cwd = freshBoardDir();
    const url = `sqlite:${join(cwd, ".baton", "board.db")}`;
    const receiver = await startReceiver(TEST_SECRET);
    const board = await openBoard(url);
    try {
      await new Webhooks(board.store).add({ url: receiver.url, events: ["CREATED"], secret: TEST_SECRET });
      await board.add({ title: "a" });
      await board.add({ title: "b" });
      // Spawned, not spawnSync: this process's receiver must answer while the monitor runs.
      const monitor = startMonitor(cwd, ["--once", "--json"]);
      expect(await monitor.exited).toBe(0);
      expect(monitor.entries.map((e) => [e.duty, e.action])).toEqual([
        ["webhooks", "delivered"],
        ["webhooks", "delivered"],
      ]);
      expect(monitor.entries.map((e) => e.detail)).toEqual([
        expect.stringMatching(/^webhook 1: event 1 CREATED, attempt 1: delivered \(2\d\d, \d+ ms\)$/),
        expect.stringMatching(/^webhook 1: event 2 CREATED, attempt 1: delivered \(2\d\d, \d+ ms\)$/),
      ]);
      expect(receiver.received.map((r) => [r.verified, r.accepted])).toEqual([
        [true, true],
        [true, true],
      ]);
    } finally {
      await board.close();
      await receiver.close();
    }
  }, 90_000);

  test.each([["SIGTERM"], ["SIGINT"]] as const)("%s mid-run on a JSON board: exit 0, no lock left, board healthy", async (signal) => {
    const cwd = freshBoardDir(["--store", "json:tasks.json"]);
    const url = `json:${join(cwd, "tasks.json")}`;
    const board = await openBoard(url);
    await board.addMany(Array.from({ length: 50 }, (_, i) => ({ title: `task ${i}` })));
    for (let i = 0; i < 50; i++) await board.claim({ agent: "gone", leaseSeconds: 1 });
    await board.close();
    await new Promise((r) => setTimeout(r, 1100));
    const monitor = startMonitor(cwd, ["--interval", "50ms"]);
    await monitor.waitFor(() => monitor.stderr().includes("watching"), "the start line");
    const recoveries = () => monitor.entries.filter((e) => / heal recovered T-\d+: lease expired/.test(e.line ?? ""));
    // Signalled while its loop runs (every 50 ms), once it has done its work: a fixed 300 ms
    // was not always enough for 50 recoveries on a loaded machine.
    await monitor.waitFor(() => recoveries().length >= 50, "50 recoveries");
    expect(await monitor.stop(signal)).toBe(0);
    expect(monitor.stderr()).toContain("baton monitor: stopped");
    expect(monitor.entries.filter((e) => / heal recovered T-\d+: lease expired/.test(e.line ?? ""))).toHaveLength(50);
    expect(existsSync(join(cwd, "tasks.lock"))).toBe(false);
    expect(existsSync(join(cwd, "tasks.lock.breaking"))).toBe(false);
    expect(baton(["health"], { cwd }).code).toBe(0);
  }, 60_000);

  test.each([["sqlite"], ["json"]])("two monitors on one %s board recover each expired lease exactly once between them", async (kind) => {
    const cwd = freshBoardDir(kind === "json" ? ["--store", "json:tasks.json"] : []);
    const url = kind === "json" ? `json:${join(cwd, "tasks.json")}` : `sqlite:${join(cwd, ".baton", "board.db")}`;
    const board = await openBoard(url);
    try {
      await board.addMany(Array.from({ length: 20 }, (_, i) => ({ title: `task ${i}` })));
      for (let i = 0; i < 20; i++) await board.claim({ agent: `gone-${i}`, leaseSeconds: 1 });
      await new Promise((r) => setTimeout(r, 1100));
      // Human mode, for its start line: a monitor signalled before it set up its handlers (a
      // slow start on a loaded machine) is killed by the default action, exit code null.
      const monitors = [startMonitor(cwd, ["--interval", "100ms"]), startMonitor(cwd, ["--interval", "100ms"])];
      for (const m of monitors) await m.waitFor(() => m.stderr().includes("watching"), "the start line");
      const recovered = () =>
        monitors.flatMap((m) => m.entries.flatMap((e) => / heal recovered (T-\d+): lease expired/.exec(e.line ?? "")?.[1] ?? []));
      await monitors[0]!.waitFor(() => recovered().length >= 20, "20 recoveries");
      await new Promise((r) => setTimeout(r, 500));
      for (const m of monitors) expect(await m.stop()).toBe(0);
      const ids = recovered();
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
      expect(await board.audit({ type: "TIMEOUT" })).toHaveLength(20);
      expect((await board.stats()).pending).toBe(20);
    } finally {
      await board.close();
    }
  }, 90_000);

  test.each([
    [["--interval", "0s"], "it must be more than 0"],
    [["--interval", "soon"], "invalid duration \"soon\""],
    [["--integrity-every", "0"], "--integrity-every"],
    [["--integrity-every", "often"], "expected a whole number"],
  ])("monitor %j → exit 2, nothing changed", (args, message) => {
    const cwd = freshBoardDir();
    batonJson(["add", "x"], { cwd });
    const before = snapshot(cwd);
    const result = baton(["monitor", "--once", ...args, "--json"], { cwd });
    expect(result.code).toBe(2);
    expect(jsonError(result).message).toContain(message);
    expect(snapshot(cwd)).toEqual(before);
  });
});

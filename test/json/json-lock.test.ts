/**
 * tasks.lock: created with O_EXCL holding seed 001's {"agent_id","timestamp"} plus pid and
 * host; a live holder is waited for (LOCK_TIMEOUT names it); a stale lock (old, and its
 * process gone) is broken exactly once even when many processes find it at the same moment,
 * and each break is a LOCK_BROKEN audit event.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { refusal } from "../conformance/harness.js";
import { raceWorkers } from "../support/processes.js";
import { freshDir, open } from "./json-boards.js";

const HOUR_AGO = new Date(Date.now() - 3_600_000);

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid as number;
}

function plantLock(dir: string, content: string, at: Date = HOUR_AGO): string {
  const lock = join(dir, "tasks.lock");
  writeFileSync(lock, content);
  utimesSync(lock, at, at);
  return lock;
}

describe("json store: tasks.lock", () => {
  it("while a transaction runs, tasks.lock holds agent_id, timestamp, pid and host; afterwards it is gone", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 2_000 });
    await board.add({ title: "x" });
    const seen = await board.store.transaction(async () => JSON.parse(readFileSync(join(dir, "tasks.lock"), "utf8")));
    expect(Object.keys(seen)).toEqual(["agent_id", "timestamp", "pid", "host"]);
    expect(seen).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Date.parse(seen.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(existsSync(join(dir, "tasks.lock"))).toBe(false);
  });

  it("a lock held by a live process is never broken, however old: LOCK_TIMEOUT names the holder and since when", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 300, staleLockMs: 1_000 });
    const content = JSON.stringify({ agent_id: "Agent1", timestamp: HOUR_AGO.toISOString(), pid: process.pid, host: hostname() });
    const lock = plantLock(dir, content);
    const error = await refusal(board.add({ title: "x" }));
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message).toContain(`held by Agent1 (pid ${process.pid} on ${hostname()}) since ${HOUR_AGO.toISOString()}`);
    expect(error.message).toContain("still alive");
    expect(readFileSync(lock, "utf8")).toBe(content);
    rmSync(lock);
    expect((await board.add({ title: "x" })).id).toBe("T-1");
  });

  it("a stale lock (old, its pid gone) is broken, logged as LOCK_BROKEN naming the holder, and work goes on", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 2_000, staleLockMs: 1_000 });
    const pid = deadPid();
    plantLock(dir, JSON.stringify({ agent_id: "crashed-agent", timestamp: HOUR_AGO.toISOString(), pid, host: hostname() }));
    expect((await board.add({ title: "x" })).id).toBe("T-1");
    const broken = await board.audit({ type: "LOCK_BROKEN" });
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ agentId: "crashed-agent", taskId: null });
    expect(broken[0]?.details).toContain(`crashed-agent (pid ${pid} on ${hostname()})`);
    expect(broken[0]?.details).toContain("is gone from this host");
    expect(readdirSync(dir).filter((f) => f.includes("lock"))).toEqual([]);
  });

  it("a young lock whose pid is gone is not broken before the stale threshold", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 300, staleLockMs: 60_000 });
    plantLock(dir, JSON.stringify({ agent_id: "x", timestamp: new Date().toISOString(), pid: deadPid(), host: hostname() }), new Date());
    const error = await refusal(board.add({ title: "x" }));
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message).toContain("younger than the stale threshold of 60 s");
  });

  it("a lock stamped in the future (a fast clock) is judged by its file's mtime: broken once old and its pid gone", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 2_000, staleLockMs: 1_000 });
    const future = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const pid = deadPid();
    plantLock(dir, JSON.stringify({ agent_id: "fast-clock", timestamp: future, pid, host: hostname() }));
    expect((await board.add({ title: "x" })).id).toBe("T-1");
    const [event] = await board.audit({ type: "LOCK_BROKEN" });
    expect(event?.details).toContain(`stamped ${future} — in the future, its clock is ahead — written to disk at ${HOUR_AGO.toISOString().slice(0, 16)}`);
    // The age is the mtime's (an hour and the test's run so far), never "0 s ago".
    expect(event?.details).toMatch(/\(36\d\d s ago\)/);
    expect(event?.details).toContain(`its process ${pid} is gone from this host`);
  });

  it("a young lock stamped in the future is waited for, and the timeout says so instead of \"0 s ago\"", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 300, staleLockMs: 60_000 });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    plantLock(dir, JSON.stringify({ agent_id: "fast-clock", timestamp: future, pid: deadPid(), host: hostname() }), new Date());
    const error = await refusal(board.add({ title: "x" }));
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message).toContain(`stamped ${future} — in the future`);
    expect(error.message).toContain("younger than the stale threshold of 60 s");
    expect(error.message).not.toContain("0 s ago");
  });

  it("a lock with garbage in it is judged by the file's age: young → LOCK_TIMEOUT saying so; old → broken", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 300, staleLockMs: 1_000 });
    const lock = plantLock(dir, "\u0000\u0001garbage", new Date());
    const error = await refusal(board.add({ title: "x" }));
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message).toContain('an unreadable lock (it holds "\\u0000\\u0001garbage", not {"agent_id","timestamp"})');
    utimesSync(lock, HOUR_AGO, HOUR_AGO);
    expect((await board.add({ title: "x" })).id).toBe("T-1");
    const [event] = await board.audit({ type: "LOCK_BROKEN" });
    expect(event?.details).toContain("it holds no valid lock record and is old");
    expect(event?.data).toMatchObject({ lock: "\u0000\u0001garbage" });
  });

  it("a hand agent's lock without pid is waited for and taken as soon as it is removed", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 5_000 });
    const lock = plantLock(dir, JSON.stringify({ agent_id: "Agent2", timestamp: new Date().toISOString() }), new Date());
    let removed = false;
    setTimeout(() => {
      removed = true;
      rmSync(lock);
    }, 200);
    const task = await board.add({ title: "x" });
    expect(removed).toBe(true);
    expect(task.id).toBe("T-1");
    expect(await board.audit({ type: "LOCK_BROKEN" })).toEqual([]);
  });

  it("8 processes finding one stale lock at once break it exactly once, and all 8×25 adds land", async () => {
    const dir = freshDir();
    const path = join(dir, "tasks.json");
    await (await open(path)).close();
    process.env.BATON_JSON_STALE_LOCK_MS = "1000";
    try {
      plantLock(dir, JSON.stringify({ agent_id: "ghost", timestamp: HOUR_AGO.toISOString(), pid: deadPid(), host: hostname() }));
      const specs = Array.from({ length: 8 }, (_, i) => ({ url: `json:${path}`, agent: `racer-${i}`, count: 25 }));
      const { results } = await raceWorkers<{ ids: string[] }>("add-racer", specs);
      const ids = results.flatMap((r) => r.ids);
      expect(new Set(ids).size).toBe(200);
      const board = await open(path);
      expect(await board.list()).toHaveLength(200);
      const broken = await board.audit({ type: "LOCK_BROKEN" });
      expect(broken.map((e) => e.agentId)).toEqual(["ghost"]);
      expect(readdirSync(dir).filter((f) => f.includes("lock") || f.endsWith(".tmp"))).toEqual([]);
    } finally {
      delete process.env.BATON_JSON_STALE_LOCK_MS;
    }
  });
});

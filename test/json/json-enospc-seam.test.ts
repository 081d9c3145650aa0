/**
 * ENOSPC injected at the seam (node:fs writeSync), at every write of a commit in turn — the
 * temp tasks.json, the counters temp, the journal line, the audit append, the lock itself.
 * Each operation either answers and is on the board (with its audit event, once the disk has
 * room again), or fails with STORE_UNAVAILABLE and left nothing: no task, no temp file, no lock.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { refusal } from "../conformance/harness.js";
import { freshDir, open } from "./json-boards.js";

const failure = vi.hoisted(() => ({ countdown: -1 }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
    if (failure.countdown > 0 && --failure.countdown === 0) {
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
    }
    return (fs.writeSync as (...a: unknown[]) => number)(...args);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

describe("json store: ENOSPC injected at each write of a commit", () => {
  it("every operation answers and is kept, or fails as STORE_UNAVAILABLE leaving nothing behind", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 5_000 });
    await board.add({ title: "seed" });
    const answered: string[] = ["seed"];
    let refused = 0;
    for (let n = 1; n <= 8; n++) {
      failure.countdown = n;
      const title = `task ${n}`;
      try {
        // Every other add also creates an id counter (.task-id-counters.json is written too).
        await board.add(n % 2 === 0 ? { title } : { title, id: `SEC-${n}` });
        answered.push(title);
      } catch (error) {
        const e = error as { code?: string; message?: string };
        expect(e.code, e.message).toBe("STORE_UNAVAILABLE");
        expect(e.message).toContain("is full (ENOSPC)");
        refused++;
      }
      failure.countdown = -1;
      expect(readdirSync(dir).filter((f) => f.endsWith(".tmp") || f.includes(".lock")), `after failing write ${n}`).toEqual([]);
    }
    expect(refused).toBeGreaterThan(0);
    expect((await board.list()).map((t) => t.title)).toEqual(answered);
    const created = await board.audit({ type: "CREATED" });
    expect(created.map((e) => e.taskId).sort()).toEqual((await board.list()).map((t) => t.id).sort());
  });

  it("ENOSPC while writing the lock leaves no empty tasks.lock: the next writer gets the lock at once", async () => {
    const dir = freshDir();
    const board = await open(join(dir, "tasks.json"), { lockTimeoutMs: 1_000, staleLockMs: 60_000 });
    await board.add({ title: "seed" });
    failure.countdown = 1; // the first write of the next transaction is the lock record
    const error = await refusal(board.add({ title: "x" }));
    failure.countdown = -1;
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toContain(`cannot write ${join(dir, "tasks.lock")}: the disk holding ${dir} is full (ENOSPC)`);
    expect(readdirSync(dir).filter((f) => f.includes(".lock"))).toEqual([]);
    expect((await board.add({ title: "y" })).title).toBe("y");
    expect((await board.list()).map((t) => t.title)).toEqual(["seed", "y"]);
  });

  it("temp files left by writers that are gone are removed at the next process's first transaction; a live writer's are kept", async () => {
    const dir = freshDir();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid as number;
    const live = process.ppid;
    const orphans = [`.tasks.json.${dead}-0a1b2c.tmp`, `.task-id-counters.json.${dead}-0a1b2c.tmp`, `tasks.lock.breaking.${dead}.tmp`, `tasks.lock.stale-${dead}-0a1b2c`];
    const kept = [`.tasks.json.${live}-0a1b2c.tmp`, "notes.tmp"];
    for (const name of [...orphans, ...kept]) writeFileSync(join(dir, name), "x");
    const board = await open(join(dir, "tasks.json"));
    await board.add({ title: "x" });
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp") || f.includes("stale")).sort()).toEqual([...kept].sort());
  });
});

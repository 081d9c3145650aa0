/**
 * `baton health`: exit 0 on a fresh board; exit 1 naming the problem (and its fix) for a
 * poison pill, a stale JSON lock, an expired lease not yet recovered and a corrupt file —
 * and in every case not one byte of the board's files changed.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { baton, batonJson, freshBoardDir } from "./cli.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** Every file of the board (and its directory) with a checksum of its bytes. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const base of [dir, join(dir, ".baton")]) {
    for (const name of readdirSync(base)) {
      const path = join(base, name);
      if (statSync(path).isFile()) out[path] = createHash("sha256").update(readFileSync(path)).digest("hex");
    }
  }
  return out;
}

function health(cwd: string): { code: number; checks: Check[]; problems: Check[] } {
  const before = fingerprint(cwd);
  const result = baton(["health", "--json"], { cwd });
  expect(result.stderr).toBe("");
  expect(fingerprint(cwd)).toEqual(before);
  const checks = (JSON.parse(result.stdout) as { checks: Check[] }).checks;
  return { code: result.code, checks, problems: checks.filter((c) => !c.ok) };
}

/** A pid that was alive a moment ago and is gone now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("baton health", () => {
  test.each([["sqlite"], ["json"]])("a fresh %s board is healthy: exit 0, every check ok", (kind) => {
    const cwd = freshBoardDir(kind === "json" ? ["--store", "json:tasks.json"] : []);
    const { code, checks, problems } = health(cwd);
    expect(problems).toEqual([]);
    expect(code).toBe(0);
    expect(checks.map((c) => c.name)).toEqual(
      kind === "json"
        ? ["store reachable", "integrity", "stale lock", "lock breaking", "expired leases", "dead agents", "poison pills", "oldest ready task"]
        : ["store reachable", "schema", "integrity", "wal size", "expired leases", "dead agents", "poison pills", "oldest ready task"],
    );
    const human = baton(["health"], { cwd });
    expect([human.code, human.stdout.trim().split("\n").at(-1)]).toEqual([0, "healthy"]);
  });

  test("a poison pill: exit 1, naming the task, its last error and the fix", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "fragile", "--max-attempts", "1"], { cwd });
    batonJson(["claim", "--agent", "A"], { cwd });
    batonJson(["fail", "T-1", "--agent", "A", "--error", "disk full"], { cwd });
    const { code, problems } = health(cwd);
    expect(code).toBe(1);
    expect(problems).toEqual([
      {
        name: "poison pills",
        ok: false,
        detail: "1 task(s) failed every attempt: T-1 (disk full)",
        fix: "fix the cause, then `baton revive T-1` (or `baton cancel T-1`)",
      },
    ]);
  });

  test("an expired lease not yet recovered: exit 1 naming it; health does not recover it", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "abandoned"], { cwd });
    const claimed = batonJson(["claim", "--agent", "A", "--lease", "1s"], { cwd });
    while (Date.now() <= Date.parse(claimed.lease_expires_at)) spawnSync("sleep", ["0.2"]);
    const { code, problems } = health(cwd);
    expect(code).toBe(1);
    expect(problems.map((p) => [p.name, p.detail])).toEqual([
      ["expired leases", "1 expired lease(s) not yet recovered: T-1 (held by A)"],
    ]);
    expect(problems[0]?.fix).toContain("baton heal");
    expect(batonJson(["show", "T-1"], { cwd }).status).toBe("in_progress");
  });

  test("a stale JSON lock: exit 1 naming its holder; the lock is left in place", () => {
    const cwd = freshBoardDir(["--store", "json:tasks.json"]);
    batonJson(["add", "behind a lock"], { cwd });
    const lock = join(cwd, "tasks.lock");
    const pid = deadPid();
    const old = new Date(Date.now() - 3_600_000);
    writeFileSync(lock, JSON.stringify({ agent_id: "crashed-agent", timestamp: old.toISOString(), pid, host: hostname() }));
    utimesSync(lock, old, old);
    const { code, problems } = health(cwd);
    expect(code).toBe(1);
    expect(problems.map((p) => p.name)).toEqual(["stale lock"]);
    expect(problems[0]?.detail).toContain(`${lock} is stale: held by crashed-agent (pid ${pid} on ${hostname()})`);
    expect(problems[0]?.detail).toContain(`its process ${pid} is gone from this host`);
    expect(problems[0]?.fix).toContain("baton heal");
  });

  test.each([["sqlite"], ["json"]])("a corrupt %s file: exit 1 naming it, the file never modified", (kind) => {
    const cwd = freshBoardDir(kind === "json" ? ["--store", "json:tasks.json"] : []);
    batonJson(["add", "soon lost"], { cwd });
    const file = kind === "json" ? join(cwd, "tasks.json") : join(cwd, ".baton", "board.db");
    writeFileSync(file, kind === "json" ? '[{"id": "T-1", "description": ' : "this is not a database at all".repeat(200));
    const { code, problems } = health(cwd);
    expect(code).toBe(1);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.detail).toContain(file);
    expect(problems[0]?.fix).toContain("restore");
  });
});

/** The CLI on a JSON board: a corrupt tasks.json exits 1, a lock held by a live process exits 6. */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freshDir } from "./json-boards.js";

const CLI = join(import.meta.dirname, "..", "..", "dist", "src", "cli", "main.js");

function baton(args: string[], env: Record<string, string> = {}): { status: number | null; error: { code: string; message: string } } {
  const run = spawnSync(process.execPath, [CLI, ...args, "--json"], { encoding: "utf8", env: { ...process.env, ...env } });
  return { status: run.status, error: (JSON.parse(run.stderr) as { error: { code: string; message: string } }).error };
}

describe("json store through the CLI", () => {
  it("a tasks.json that is an object exits 1 with CORRUPT_STORE naming the file, which stays as it was", () => {
    const path = join(freshDir(), "tasks.json");
    writeFileSync(path, '{"tasks": []}\n');
    const { status, error } = baton(["list", "--store", `json:${path}`]);
    expect(status).toBe(1);
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toContain(`${path} holds an object, not an array of tasks`);
    expect(readFileSync(path, "utf8")).toBe('{"tasks": []}\n');
  });

  it("a lock held by a live process exits 6 with LOCK_TIMEOUT naming the holder", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "tasks.json"), "[]\n");
    const lock = JSON.stringify({ agent_id: "Agent1", timestamp: new Date().toISOString(), pid: process.pid, host: hostname() });
    writeFileSync(join(dir, "tasks.lock"), lock);
    const { status, error } = baton(["add", "x", "--store", `json:${join(dir, "tasks.json")}`], {
      BATON_JSON_LOCK_TIMEOUT_MS: "300",
    });
    expect(status).toBe(6);
    expect(error.code).toBe("LOCK_TIMEOUT");
    expect(error.message).toContain(`held by Agent1 (pid ${process.pid} on ${hostname()})`);
    expect(readFileSync(join(dir, "tasks.lock"), "utf8")).toBe(lock);
    expect(readFileSync(join(dir, "tasks.json"), "utf8")).toBe("[]\n");
  });
});

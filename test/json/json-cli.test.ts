/** The CLI on a JSON board: a corrupt tasks.json exits 1, a lock held by a live process exits 6. */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
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

  it("CORRUPT_STORE suggests tasks.json.bak only when it is there as a regular file", () => {
    const dir = freshDir();
    const path = join(dir, "tasks.json");
    const bak = join(dir, "tasks.json.bak");
    writeFileSync(path, "[ not json\n");
    const none = baton(["list", "--store", `json:${path}`]);
    expect(none.status).toBe(1);
    expect(none.error.code).toBe("CORRUPT_STORE");
    expect(none.error.message).toContain(`there is no ${bak} to restore from: restore a backup made by \`baton backup\``);
    expect(none.error.message).not.toContain("restore the previous version");
    expect(existsSync(bak)).toBe(false);

    // A .bak that is a link is refused as such (never read through), not offered as a restore.
    symlinkSync(join(dir, "elsewhere.json"), bak);
    expect(baton(["list", "--store", `json:${path}`]).error.message).not.toContain("restore the previous version");
    unlinkSync(bak);

    writeFileSync(bak, "[]\n");
    const some = baton(["list", "--store", `json:${path}`]);
    expect(some.status).toBe(1);
    expect(some.error.message).toContain(`restore the previous version from ${bak} (cp ${bak} ${path})`);
    expect(readFileSync(path, "utf8")).toBe("[ not json\n");
    expect(readFileSync(bak, "utf8")).toBe("[]\n");
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

/**
 * A board's files are used only as the board's own regular files: a file replaced by a
 * symbolic link (to a victim file the user can write), a FIFO, a device or a directory is
 * refused with CORRUPT_STORE (exit 1) naming it — before anything is written — and neither the
 * victim nor the board changes. A board from a hostile repository must not make baton write
 * outside it, nor hang it, nor exhaust its memory.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, baton } from "../cli/cli.js";
import { freshDir } from "./json-boards.js";

const SIDECARS = ["tasks.audit.jsonl", "tasks.baton.jsonl", ".task-id-counters.json", "tasks.json.bak", "tasks.baton.json", "tasks.json"];

function checksum(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** A JSON board with two tasks, a reservation (so counters exist) and a compacted-looking snapshot. */
function boardWithHistory(): { dir: string; store: string } {
  const dir = freshDir();
  const store = `json:${join(dir, "tasks.json")}`;
  for (const args of [["init"], ["add", "one"], ["add", "two"], ["reserve", "SEC"]]) {
    expect(baton([...args, "--store", store], { cwd: dir }).code).toBe(0);
  }
  if (!existsSync(join(dir, "tasks.baton.json"))) writeFileSync(join(dir, "tasks.baton.json"), readFileSync(join(dir, "tasks.baton.jsonl"), "utf8").trim().split("\n").pop() ?? "");
  return { dir, store };
}

/** Every file of the board, by checksum: what "the board is untouched" means. */
function boardChecksums(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [e.name, checksum(join(dir, e.name))]),
  );
}

function refused(result: { code: number; stderr: string }, fragments: string[]): void {
  expect(result.code, result.stderr).toBe(1);
  const { error } = JSON.parse(result.stderr) as { error: { code: string; message: string } };
  expect(error.code).toBe("CORRUPT_STORE");
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

describe("json store: never through a symbolic link", () => {
  for (const name of SIDECARS) {
    it(`${name} as a symbolic link to a victim file: add and list exit 1 naming the link; victim and board unchanged`, () => {
      const { dir, store } = boardWithHistory();
      const victimDir = freshDir();
      const victim = join(victimDir, "victim.rc");
      writeFileSync(victim, "export PATH=/usr/bin\n");
      const link = join(dir, name);
      const content = readFileSync(link);
      rmSync(link);
      symlinkSync(victim, link);
      const before = { victim: checksum(victim), board: boardChecksums(dir) };
      for (const args of [["add", "three"], ["list"], ["audit"], ["claim", "--agent", "A"]]) {
        refused(baton([...args, "--store", store, "--json"], { cwd: dir }), [`${link} is a symbolic link to ${victim}`, "Nothing was changed"]);
      }
      expect(checksum(victim)).toBe(before.victim);
      expect(boardChecksums(dir)).toEqual(before.board);
      expect(readdirSync(victimDir)).toEqual(["victim.rc"]);
      // Replaced by the file itself, the board works again, as it was.
      rmSync(link);
      writeFileSync(link, content);
      expect(baton(["list", "--store", store], { cwd: dir }).code).toBe(0);
    });
  }

  it("tasks.lock as a symbolic link (to a victim, or dangling) is refused naming it, not broken nor followed", () => {
    const { dir, store } = boardWithHistory();
    const victim = join(freshDir(), "victim");
    writeFileSync(victim, "{}");
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(victim, old, old);
    symlinkSync(victim, join(dir, "tasks.lock"));
    const before = { victim: checksum(victim), board: boardChecksums(dir) };
    refused(baton(["add", "x", "--store", store, "--json"], { cwd: dir }), [`${join(dir, "tasks.lock")} is a symbolic link`]);
    expect(checksum(victim)).toBe(before.victim);
    expect(boardChecksums(dir)).toEqual(before.board);
  });
});

describe("json store: a lock that is not a small regular file", () => {
  /** Runs the CLI with a deadline: a hang is a failure, not a stuck test run. */
  function batonWithin(args: string[], cwd: string): { code: number; stderr: string } {
    const run = spawnSync(process.execPath, [CLI, ...args, "--json"], {
      cwd,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, BATON_JSON_LOCK_TIMEOUT_MS: "2000", BATON_JSON_STALE_LOCK_MS: "1000" },
    });
    return { code: run.status ?? -1, stderr: run.stderr };
  }

  it("a FIFO as tasks.lock is refused at once (the open does not block), naming it", () => {
    const { dir, store } = boardWithHistory();
    expect(spawnSync("mkfifo", [join(dir, "tasks.lock")]).status).toBe(0);
    const before = boardChecksums(dir);
    refused(batonWithin(["add", "x", "--store", store], dir), [`${join(dir, "tasks.lock")} is a FIFO (named pipe), not a regular file`]);
    refused(batonWithin(["list", "--store", store], dir), ["is a FIFO"]);
    expect(boardChecksums(dir)).toEqual(before);
  });

  it("tasks.lock as a link to /dev/zero is refused without reading it", () => {
    const { dir, store } = boardWithHistory();
    symlinkSync("/dev/zero", join(dir, "tasks.lock"));
    refused(batonWithin(["add", "x", "--store", store], dir), ["is a symbolic link to /dev/zero"]);
  });

  it("a directory as tasks.lock is refused naming it", () => {
    const { dir, store } = boardWithHistory();
    mkdirSync(join(dir, "tasks.lock"));
    refused(batonWithin(["add", "x", "--store", store], dir), ["is a directory, not a regular file"]);
  });

  it("a huge old garbage lock is read only in part, judged stale by its mtime, and broken", () => {
    const { dir, store } = boardWithHistory();
    const lock = join(dir, "tasks.lock");
    writeFileSync(lock, "x");
    truncateSync(lock, 8 * 1024 * 1024 * 1024); // 8 GiB, sparse: reading it whole would exhaust memory
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(lock, old, old);
    const result = batonWithin(["add", "x", "--store", store], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
    const audit = readFileSync(join(dir, "tasks.audit.jsonl"), "utf8");
    expect(audit).toContain("LOCK_BROKEN");
  });

  it("a FIFO or a directory as tasks.json is refused naming it", () => {
    for (const make of [(p: string) => spawnSync("mkfifo", [p]), (p: string) => mkdirSync(p)]) {
      const dir = freshDir();
      make(join(dir, "tasks.json"));
      refused(batonWithin(["list", "--store", `json:${join(dir, "tasks.json")}`], dir), [`${join(dir, "tasks.json")} is a`]);
    }
  });
});

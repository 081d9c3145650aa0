/**
 * Bad input through the CLI: a clear message on stderr naming the problem, the documented
 * exit code, and a board that is exactly as it was (tasks and audit trail).
 */
import { readFileSync, writeFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

let cwd: string;
beforeEach(() => {
  cwd = freshBoardDir();
  batonJson(["add", "Existing task"], { cwd });
  batonJson(["claim", "--agent", "a1"], { cwd });
});

const cases: { name: string; args: string[]; exit: number; code: string; message: RegExp }[] = [
  { name: "a path-like id", args: ["show", "../x"], exit: 2, code: "INVALID_INPUT", message: /invalid task id "\.\.\/x"/ },
  { name: "an empty id", args: ["show", ""], exit: 2, code: "INVALID_INPUT", message: /invalid task id ""/ },
  { name: "a 65-character id", args: ["add", "t", "--id", "a".repeat(65)], exit: 2, code: "INVALID_INPUT", message: /1-64 characters/ },
  { name: "an id with spaces", args: ["done", "T 1", "--token", "1"], exit: 2, code: "INVALID_INPUT", message: /invalid task id "T 1"/ },
  { name: "an empty title", args: ["add", ""], exit: 2, code: "INVALID_INPUT", message: /non-empty title/ },
  { name: "a blank title", args: ["add", "   "], exit: 2, code: "INVALID_INPUT", message: /non-empty title/ },
  { name: "an unknown verb", args: ["frobnicate"], exit: 2, code: "INVALID_INPUT", message: /unknown command 'frobnicate'.*baton --help/ },
  { name: "an unknown flag", args: ["list", "--frob"], exit: 2, code: "INVALID_INPUT", message: /unknown option '--frob'.*baton list --help/ },
  { name: "an invalid priority", args: ["add", "t", "--priority", "urgent"], exit: 2, code: "INVALID_INPUT", message: /priority: priority must be one of: critical, high, medium, low \(got 'urgent'\)/ },
  { name: "a 612-character title", args: ["add", "x".repeat(612)], exit: 2, code: "INVALID_INPUT", message: /title: a title is at most 500 characters; put the rest in --description \(got 612\)/ },
  { name: "too many attempts", args: ["add", "t", "--max-attempts", "5000"], exit: 2, code: "INVALID_INPUT", message: /maxAttempts: at most 1000 \(got 5000\)/ },
  { name: "an invalid duration", args: ["claim", "--agent", "a2", "--lease", "5x"], exit: 2, code: "INVALID_INPUT", message: /invalid duration "5x".*like 90s, 15m/ },
  { name: "a token that is not a number", args: ["done", "T-1", "--token", "abc"], exit: 2, code: "INVALID_INPUT", message: /invalid --token "abc": expected a whole number/ },
  { name: "fail without --error", args: ["fail", "T-1", "--token", "1"], exit: 2, code: "INVALID_INPUT", message: /required option '--error <text>'/ },
  { name: "claim without an agent id", args: ["claim"], exit: 2, code: "INVALID_INPUT", message: /--agent ID or set BATON_AGENT/ },
  { name: "a dependency on a missing task", args: ["add", "t", "--after", "T-99"], exit: 3, code: "NOT_FOUND", message: /T-99: no such task/ },
  { name: "the audit trail of a missing task", args: ["audit", "--task", "T-99"], exit: 3, code: "NOT_FOUND", message: /task T-99 not found/ },
  { name: "an unknown status filter", args: ["list", "--status", "doing"], exit: 2, code: "INVALID_INPUT", message: /status must be one of/ },
  { name: "an unknown task", args: ["show", "T-99"], exit: 3, code: "NOT_FOUND", message: /task T-99 not found/ },
  { name: "done on an unknown task", args: ["done", "T-99", "--token", "1"], exit: 3, code: "NOT_FOUND", message: /task T-99 not found/ },
  { name: "done by an agent that does not hold the task", args: ["done", "T-1", "--agent", "a2"], exit: 4, code: "CONFLICT", message: /held by a1, not by a2/ },
];

describe("bad input through the CLI", () => {
  for (const c of cases) {
    test(`${c.name}: exit ${c.exit}, a message naming it, the board unchanged`, () => {
      const before = snapshot(cwd);
      const text = baton(c.args, { cwd });
      expect(text.code).toBe(c.exit);
      expect(text.stdout).toBe("");
      expect(text.stderr).toMatch(/^baton: /);
      expect(text.stderr).toMatch(c.message);
      const json = baton([...c.args, "--json"], { cwd });
      expect(json.code).toBe(c.exit);
      expect(json.stdout).toBe("");
      const error = jsonError(json);
      expect(error.code).toBe(c.code);
      expect(error.message).toMatch(c.message);
      expect(snapshot(cwd)).toEqual(before);
    });
  }

  test("a corrupt database file: exit 1, the message names the file, its bytes untouched", () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-cli-"));
    expect(baton(["init"], { cwd: dir }).code).toBe(0);
    const file = join(dir, ".baton", "board.db");
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256));
    writeFileSync(file, garbage);
    for (const args of [["list"], ["add", "t"], ["claim", "--agent", "a1"], ["audit"]]) {
      const text = baton(args, { cwd: dir });
      expect(text.code).toBe(1);
      expect(text.stderr).toContain(file);
      expect(text.stderr).toMatch(/corrupt or not a baton board.*left untouched/);
      const json = baton([...args, "--json"], { cwd: dir });
      expect(json.code).toBe(1);
      expect(jsonError(json).code).toBe("CORRUPT_STORE");
    }
    expect(readFileSync(file).equals(garbage)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  test("no board here or above: exit 3, telling the user to run `baton init`", () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-cli-"));
    const result = baton(["list"], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no baton board here: no \.baton\/ directory in .* run `baton init`/);
    expect(jsonError(baton(["list", "--json"], { cwd: dir })).code).toBe("NOT_FOUND");
    expect(existsSync(join(dir, ".baton"))).toBe(false);
  });

  test("a bad init flag creates nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-cli-"));
    const result = baton(["init", "--max-attempts", "0"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/maxAttempts must be at least 1/);
    expect(existsSync(join(dir, ".baton"))).toBe(false);
  });
});

/**
 * `baton init`: concurrent inits in one directory keep every flag and leave a config that
 * parses.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { baton, batonAsync } from "./cli.js";

describe("baton init", () => {
  test("20 trials of 4 concurrent inits with different flags: every flag kept, the config always parses", async () => {
    const flags = [
      ["--lease", "90s"],
      ["--max-attempts", "5"],
      ["--prefix", "SEC"],
      ["--retry-base", "1m"],
    ];
    for (let trial = 0; trial < 20; trial++) {
      const dir = mkdtempSync(join(tmpdir(), "baton-init-race-"));
      const results = await Promise.all(flags.map((f) => batonAsync(["init", ...f], { cwd: dir })));
      for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(results.filter((r) => r.stdout.startsWith("created a board")).length).toBe(1);
      expect(JSON.parse(readFileSync(join(dir, ".baton", "config.json"), "utf8"))).toEqual({
        leaseSeconds: 90,
        maxAttempts: 5,
        defaultPrefix: "SEC",
        retryBaseSeconds: 60,
      });
      expect(readdirSync(join(dir, ".baton")).filter((name) => /\.(tmp|lock)$/.test(name))).toEqual([]);
    }
  }, 300_000);
});

describe("baton init and BATON_STORE", () => {
  test("init creates the board BATON_STORE names and records it; later commands find it with or without the variable", () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-init-env-"));
    const env = { BATON_STORE: "json:tasks.json" };
    const init = baton(["init", "--json"], { cwd: dir, env });
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout).store).toBe(`json:${join(dir, "tasks.json")}`);
    expect(existsSync(join(dir, ".baton", "board.db"))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, ".baton", "config.json"), "utf8"))).toEqual({ store: "json:tasks.json" });
    expect(baton(["add", "via the env"], { cwd: dir, env }).code).toBe(0);
    expect(baton(["add", "via the config"], { cwd: dir }).code).toBe(0);
    const file = JSON.parse(readFileSync(join(dir, "tasks.json"), "utf8")) as { id: string }[];
    expect(file.map((t) => t.id)).toEqual(["T-1", "T-2"]);
  });
});

describe("claim, next and ready name the agent's capabilities --capabilities", () => {
  test("--capabilities is shown in help and works; --needs stays a hidden alias", () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-caps-"));
    expect(baton(["init"], { cwd: dir }).code).toBe(0);
    expect(baton(["add", "needs rust", "--needs", "rust"], { cwd: dir }).code).toBe(0);
    for (const verb of ["claim", "next", "ready"]) {
      const help = baton([verb, "--help"], { cwd: dir }).stdout;
      expect(help).toContain("--capabilities <caps>");
      expect(help).not.toContain("--needs");
    }
    expect(baton(["next", "--agent", "a", "--capabilities", "go"], { cwd: dir }).code).toBe(5);
    expect(baton(["next", "--agent", "a", "--capabilities", "rust", "--json"], { cwd: dir }).code).toBe(0);
    const alias = baton(["claim", "--agent", "a", "--needs", "rust", "--json"], { cwd: dir });
    expect(alias.code).toBe(0);
    expect(JSON.parse(alias.stdout).id).toBe("T-1");
  });
});

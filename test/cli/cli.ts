/**
 * Test support: run the built CLI (`node dist/src/cli/main.js`) as a real process, in a
 * board directory of its own, with no BATON_* variable of the test run leaking in.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";

export const CLI = join(process.cwd(), "dist/src/cli/main.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string>;
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const key of Object.keys(env)) if (key.startsWith("BATON_")) delete env[key];
  return { ...env, ...extra };
}

export function baton(args: readonly string[], options: CliOptions): CliResult {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    encoding: "utf8",
  });
  if (run.error) throw run.error;
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

export function batonAsync(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: childEnv(options.env) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs a verb that must succeed and returns its parsed --json output. */
export function batonJson<T = any>(args: readonly string[], options: CliOptions): T {
  const result = baton([...args, "--json"], options);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** A new directory with `baton init` run in it. */
export function freshBoardDir(initArgs: readonly string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "baton-cli-"));
  const init = baton(["init", ...initArgs], { cwd: dir });
  expect(init.code).toBe(0);
  return dir;
}

/** Everything a board shows from outside: its tasks and its audit trail. */
export function snapshot(cwd: string): { tasks: string; audit: string } {
  const tasks = baton(["list", "--json", "--all"], { cwd });
  const audit = baton(["audit", "--json", "--all"], { cwd });
  expect(tasks.code).toBe(0);
  expect(audit.code).toBe(0);
  return { tasks: tasks.stdout, audit: audit.stdout };
}

/** The `{"error":{"code","message"}}` a --json failure prints on stderr. */
export function jsonError(result: CliResult): { code: string; message: string } {
  const parsed = JSON.parse(result.stderr) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(["error"]);
  expect(Object.keys(parsed.error).sort()).toEqual(["code", "message"]);
  return parsed.error;
}

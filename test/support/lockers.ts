/**
 * Shared by test/file-locks/ and bench/chaos/file-lock-race.ts: a board-less directory, the
 * lockers (bash around `baton lock`, seed-001 noclobber hand lockers) and the CLI run as a real
 * process. Free of vitest, so `npm run chaos` can load it.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./processes.js";

/** The built CLI (as test/cli/cli.ts's CLI, found from this file rather than the cwd). */
export const CLI = join(repoRoot(), "dist/src/cli/main.js");

/** A directory anyone may write (a test may run the CLI as nobody). */
export function lockDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "baton-file-locks-"));
  chmodSync(dir, 0o777);
  return dir;
}

export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BATON_")));
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command (bash, or node CLI) and collects its output. */
export function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The shell's read-modify-write of {"n":N}: nothing but the lock keeps two from losing one. */
export const SHELL_INCREMENT = `n=$(tr -dc 0-9 < "$F"); printf '{"n":%d}' $((n+1)) > "$F.tmp.$$" && mv "$F.tmp.$$" "$F"`;

/** A seed-001 hand locker: noclobber create of FILE.lock, retried; removed after the work. */
export function handLocker(file: string, times: number): string {
  return `export F='${file}'; for i in $(seq ${times}); do
  until (set -C; echo "$$" > "$F.lock") 2>/dev/null; do sleep 0.005; done
  ${SHELL_INCREMENT}
  rm -f "$F.lock"
done`;
}

/** A bash loop running \`baton lock\` around the shell increment \`times\` times. */
export function cliLocker(file: string, times: number): string {
  return `export F='${file}'; for i in $(seq ${times}); do
  "${process.execPath}" "${CLI}" lock "$F" --timeout 120s -- sh -c '${SHELL_INCREMENT.replaceAll("'", "'\\''")}' || exit $?
done`;
}

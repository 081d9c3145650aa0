/**
 * The work of `baton lock` (src/cli/commands/locks.ts): run a command holding FILE.lock and
 * pass its exit code through (a death by signal N as 128+N, as shells do). SIGINT, SIGTERM and
 * SIGHUP sent to baton are forwarded to the command; the lock is released when it exits.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { withFileLock } from "../locks/file-lock.js";
import { fileLockStatus } from "../locks/lock-status.js";
import type { FileLockOptions } from "../locks/file-lock.js";
import type { Printed } from "./verb.js";

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** What a shell reports for a command that could not be found or run. */
const COMMAND_NOT_RUN = 127;

export async function runLocked(file: string, command: readonly string[], options: FileLockOptions): Promise<number> {
  let child: ReturnType<typeof spawn> | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    // Before the command starts the lock is not held yet (taking it and starting the command
    // happen in one turn of the event loop), so leaving at once leaves nothing behind.
    if (child === null) process.exit(128 + constants.signals[signal]);
    child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, onSignal);
  try {
    return await withFileLock(
      file,
      () =>
        new Promise<number>((resolve) => {
          const [name, ...args] = command as [string, ...string[]];
          child = spawn(name, args, { stdio: "inherit" });
          child.on("error", (error) => {
            process.stderr.write(`baton: cannot run ${name}: ${error.message}\n`);
            resolve(COMMAND_NOT_RUN);
          });
          child.on("exit", (code, signal) => resolve(code ?? 128 + constants.signals[signal as NodeJS.Signals]));
        }),
      options,
    );
  } finally {
    for (const s of FORWARDED) process.off(s, onSignal);
  }
}

export function lockStatus(file: string, staleMs: number): Printed {
  const status = fileLockStatus(file, staleMs);
  const j = status.judgement;
  if (!status.held || !j) return { json: { lock: status.lock, held: false }, human: `${status.lock}: not held` };
  return {
    json: { lock: status.lock, held: true, holder: j.record, since: j.since, ageMs: Math.round(j.ageMs), stale: j.stale, reason: j.reason },
    human: `${status.lock}: held by ${j.holder}; ${j.stale ? "STALE" : "not stale"}: ${j.reason}`,
  };
}

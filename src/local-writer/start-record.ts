/**
 * The machine-wide record of a board's writer starts (a file beside its socket, in the 0700
 * directory of src/local-writer/address.ts): how many starts in a row have not come up, when
 * the last was, and why it failed when the writer could say.
 *
 * Without it a writer that cannot start (its board unopenable by it, a broken NODE_OPTIONS in
 * the agents' environment) was started again by every CLI call, since a call's process, and
 * the start name it bound, is gone in ~100 ms: ~150 ms of CPU a call, and nothing said why.
 * Now each start in a row waits twice as long as the one before (1 s, 2 s, 4 s … 60 s); the
 * writer that comes up removes the record.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

export interface StartRecord {
  /** Starts since a writer last came up. */
  starts: number;
  /** Date.now() of the last start (one machine, one clock). */
  at: number;
  /** Why the last start failed, when the writer got far enough to say. */
  reason?: string;
}

const FIRST_WAIT_MS = 1000;
const LONGEST_WAIT_MS = 60_000;

/** How long after the last of `starts` starts in a row the next may be made. */
export function waitAfterStarts(starts: number): number {
  return Math.min(FIRST_WAIT_MS * 2 ** Math.max(0, starts - 1), LONGEST_WAIT_MS);
}

export function readStartRecord(path: string): StartRecord | null {
  try {
    const record = JSON.parse(readFileSync(path, "utf8")) as Partial<StartRecord>;
    if (typeof record.starts !== "number" || typeof record.at !== "number") return null;
    return { starts: record.starts, at: record.at, ...(typeof record.reason === "string" && { reason: record.reason }) };
  } catch {
    return null; // none, or torn by a crash: the next start writes a whole one
  }
}

/**
 * Whether a writer may be started now; when it may, the start is recorded. Called by the
 * one client holding the board's start name, so two processes never both count one start.
 */
export function recordStartIfDue(path: string, now = Date.now()): boolean {
  const last = readStartRecord(path);
  // A clock set back makes `now - at` negative: that start is not waited for (an hour, else).
  if (last && now >= last.at && now - last.at < waitAfterStarts(last.starts)) return false;
  write(path, { starts: (last?.starts ?? 0) + 1, at: now });
  return true;
}

/** The writer could not come up: why, for whoever reads the record (docs/cli.md). */
export function recordStartFailure(path: string, reason: string): void {
  const last = readStartRecord(path);
  write(path, { starts: last?.starts ?? 1, at: last?.at ?? Date.now(), reason });
}

/** A writer is up: starts are due again at once when it goes. */
export function clearStartRecord(path: string): void {
  rmSync(path, { force: true });
}

function write(path: string, record: StartRecord): void {
  try {
    // Whole or not at all: another process may read it at any instant.
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    renameSync(partial, path);
  } catch {
    // A record that cannot be written (a full disk) only costs the wait it would have made.
  }
}

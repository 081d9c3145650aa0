/**
 * `withFileLock`: the tasks.lock protocol (src/store/json/lock-file.ts) for any file several
 * agents rewrite — state.json, metrics files. The lock is the sidecar `FILE.lock`, taken with
 * O_EXCL, so a bash hand locker using noclobber (`set -C; echo "$$" > FILE.lock`) and baton
 * exclude each other. A hand lock holds no JSON record, so no pid can be checked: it is judged
 * by its file's mtime and is stale only by age (lock-record.ts).
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { BatonError, ErrorCode } from "../core/errors.js";
import { LockFile } from "../store/json/lock-file.js";
import { replaceFile } from "../store/json/atomic-write.js";
import { refuseLinks, storeError } from "../store/json/regular-files.js";
import type { BrokenLock } from "../store/json/lock-file.js";
import type { Durability } from "../store/store.js";

export interface FileLockOptions {
  /** How long to wait for the lock before LOCK_TIMEOUT (default 5 s). */
  timeoutMs?: number;
  /** A lock older than this whose holder is gone may be broken (default 30 s). */
  staleMs?: number;
  /** Who holds the lock, written into FILE.lock (default $BATON_AGENT, else "pid-N"). */
  agent?: string;
  /** Told of each stale lock broken on the way; by default a LOCK_BROKEN line goes to stderr. */
  onBroken?: (broken: BrokenLock) => void;
}

export type { BrokenLock } from "../store/json/lock-file.js";

export const DEFAULT_FILE_LOCK_TIMEOUT_MS = 5_000;
export const DEFAULT_FILE_LOCK_STALE_MS = 30_000;

/** Files this process holds (or waits for) now: a nested take would wait for itself forever. */
const heldHere = new Set<string>();

export async function withFileLock<T>(path: string, fn: () => T | Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const file = resolve(path);
  const lockPath = `${file}.lock`;
  if (heldHere.has(file)) {
    throw new BatonError(
      ErrorCode.CONFLICT,
      `this process already holds (or is waiting for) the lock on ${file}; withFileLock is not re-entrant, ` +
        "and waiting for it would wait for itself forever. Do the inner work inside the outer withFileLock instead",
      { location: lockPath },
    );
  }
  checkPlace(file, lockPath);
  const lock = new LockFile(lockPath, `${lockPath}.breaking`, {
    timeoutMs: options.timeoutMs ?? DEFAULT_FILE_LOCK_TIMEOUT_MS,
    staleMs: options.staleMs ?? DEFAULT_FILE_LOCK_STALE_MS,
    raiseTimeout: "wait longer (`baton lock --timeout`, withFileLock's timeoutMs)",
    agentId: options.agent ?? process.env.BATON_AGENT ?? `pid-${process.pid}`,
  });
  heldHere.add(file);
  try {
    const { broken } = await lock.acquire();
    try {
      for (const b of broken) (options.onBroken ?? logBroken(lockPath))(b);
      lock.breaksLogged();
      return await fn();
    } finally {
      lock.release();
    }
  } finally {
    heldHere.delete(file);
  }
}

/** Refuses a link at FILE or FILE.lock, and a missing directory, before anything is created. */
function checkPlace(file: string, lockPath: string): void {
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new BatonError(
      ErrorCode.STORE_UNAVAILABLE,
      `cannot lock ${file}: its directory ${dir} does not exist. Create it (mkdir -p '${dir}') or fix the path`,
      { location: dir },
    );
  }
  refuseLinks([file, lockPath, `${lockPath}.breaking`]);
}

function logBroken(lockPath: string): (broken: BrokenLock) => void {
  return (broken) => {
    const line = {
      type: "LOCK_BROKEN",
      lock: lockPath,
      holder: broken.judgement.holder,
      reason: broken.judgement.reason,
      brokenAt: broken.brokenAt,
      ...(broken.brokenBy !== undefined && { brokenBy: broken.brokenBy }),
      content: broken.content,
    };
    process.stderr.write(`baton: LOCK_BROKEN ${JSON.stringify(line)}\n`);
  };
}

export interface WriteFileAtomicOptions {
  /** "full": fsync the file before the rename and its directory after (survives power loss). */
  durability?: Durability;
}

/** Replaces `path` whole (temp file + rename): readers see the old or the new file, never a mix. */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): void {
  const file = resolve(path);
  refuseLinks([file]);
  const temp = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    replaceFile(file, temp, data, options.durability === "full");
  } catch (error) {
    throw storeError(file, error, "write", "the file was left as it was");
  }
}

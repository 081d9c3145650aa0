/** Who holds FILE.lock, since when, and whether it is stale: for `baton lock FILE --status`. */
import { hostname } from "node:os";
import { resolve } from "node:path";
import { isProcessAlive, judgeLock } from "../store/json/lock-record.js";
import { readWithTime } from "../store/json/regular-files.js";
import type { LockJudgement } from "../store/json/lock-record.js";

export interface FileLockStatus {
  lock: string;
  held: boolean;
  /** Present when held. */
  judgement?: LockJudgement;
}

export function fileLockStatus(path: string, staleMs: number): FileLockStatus {
  const lock = `${resolve(path)}.lock`;
  const read = readWithTime(lock, 4096); // refuses a link or a non-regular file, like the lock
  if (read === null) return { lock, held: false };
  const judgement = judgeLock({
    content: read.text,
    mtimeMs: read.mtimeMs,
    nowMs: Date.now(),
    staleMs,
    hostname: hostname(),
    isAlive: isProcessAlive,
  });
  return { lock, held: true, judgement };
}

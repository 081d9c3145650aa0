/**
 * Writing `.baton/config.json` safely when several `baton init` run at once in one directory:
 * they take turns under `.baton/config.json.lock` (seed 001's O_EXCL lock protocol, stale
 * locks of dead processes broken), and each write is a temp file renamed over the config, so
 * a reader sees the old or the new file, never half of one.
 */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { LockFile } from "../store/json/lock-file.js";
import { configPath } from "./discovery.js";

/** An init opens (and may create or migrate) the board under the lock: seconds at most. */
const CONFIG_LOCK_TIMEOUT_MS = 30_000;
const CONFIG_LOCK_STALE_MS = 10_000;

export async function withConfigLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const path = `${configPath(root)}.lock`;
  const lock = new LockFile(path, `${path}.breaking`, {
    timeoutMs: CONFIG_LOCK_TIMEOUT_MS,
    staleMs: CONFIG_LOCK_STALE_MS,
    agentId: "baton init",
  });
  await lock.acquire();
  // Nothing to log a broken lock to: the config has no audit trail.
  lock.breaksLogged();
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

export function writeConfig(root: string, config: Record<string, unknown>): void {
  const path = configPath(root);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { flag: "wx" });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

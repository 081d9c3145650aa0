/**
 * What a CORRUPT_STORE message tells the user to restore from. tasks.json.bak is suggested
 * only when it is there as a regular file of its own (not a symlink, which baton never reads
 * through): a board never written by baton has none, and "restore tasks.json.bak" would send
 * the user after a file that does not exist.
 */
import { lstatSync } from "node:fs";

export function hasPreviousVersion(backupPath: string): boolean {
  try {
    return lstatSync(backupPath).isFile();
  } catch {
    return false;
  }
}

/** "restore …" advice for a tasks.json that is corrupt or gone; `empty` adds how to start over. */
export function restoreAdvice(tasksPath: string, backupPath: string, empty = false): string {
  const fresh = empty ? `, or create ${tasksPath} with [] to start empty` : "";
  return hasPreviousVersion(backupPath)
    ? `restore the previous version from ${backupPath} (cp ${backupPath} ${tasksPath})${fresh}`
    : `there is no ${backupPath} to restore from: restore a backup made by \`baton backup\` (\`baton restore FILE\`)${fresh}`;
}

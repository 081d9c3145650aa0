/**
 * Temp files a killed (or failed) process leaves behind: a commit's temp files written before
 * its commit point, a breaker's renamed-aside lock or its intent. Their names carry the
 * writer's pid, so once a stale lock of a dead pid is broken, the breaker removes that pid's
 * files — and never another process's. A process also sweeps, at its first transaction, the
 * files of every pid that is gone: a writer killed while it held no lock leaves no lock to
 * break, and its files would otherwise stay forever.
 */
import { readdirSync, unlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { isProcessAlive } from "./lock-record.js";
import type { BoardPaths } from "./paths.js";

/** The name prefixes, each followed by the writer's pid, of the temp files of a board. */
function tempPrefixes(paths: BoardPaths): string[] {
  return [
    `.${basename(paths.tasks)}.`,
    `${basename(paths.meta)}.`,
    `${basename(paths.counters)}.`,
    `${basename(paths.webhooks)}.`,
    `${basename(paths.lock)}.stale-`,
    `${basename(paths.breaking)}.`,
    `${basename(paths.breaking)}.stale-`,
  ];
}

/** The pid in a temp file's name, or null when the name is not one of a board's temp files. */
function writerOf(name: string, prefixes: readonly string[]): number | null {
  for (const prefix of prefixes) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)[-.]/.exec(name.slice(prefix.length));
    if (match && (name.endsWith(".tmp") || prefix.endsWith(".stale-"))) return Number(match[1]);
  }
  return null;
}

export function removeLeftovers(paths: BoardPaths, deadPids: Iterable<number>): void {
  const pids = new Set(deadPids);
  if (pids.size === 0) return;
  removeWhere(paths, (pid) => pids.has(pid));
}

/** Removes the temp files of every writer whose pid is gone from this host. */
export function removeOrphans(paths: BoardPaths): void {
  removeWhere(paths, (pid) => pid !== process.pid && !isProcessAlive(pid));
}

function removeWhere(paths: BoardPaths, isOrphan: (pid: number) => boolean): void {
  const prefixes = tempPrefixes(paths);
  for (const name of readdirSync(paths.dir)) {
    const pid = writerOf(name, prefixes);
    if (pid === null || !isOrphan(pid)) continue;
    try {
      unlinkSync(join(paths.dir, name));
    } catch {
      // gone already
    }
  }
}

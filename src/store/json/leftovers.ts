/**
 * Temp files a killed process leaves behind: a commit's temp files written before its commit
 * point, a breaker's renamed-aside lock or its intent. Their names carry the writer's pid, so
 * once a stale lock of a dead pid is broken (the only way such files come to be orphans), the
 * breaker removes that pid's files — and never another process's.
 */
import { readdirSync, unlinkSync } from "node:fs";
import { basename, join } from "node:path";
import type { BoardPaths } from "./paths.js";

export function removeLeftovers(paths: BoardPaths, deadPids: Iterable<number>): void {
  const pids = [...new Set(deadPids)];
  if (pids.length === 0) return;
  const prefixes = pids.flatMap((pid) => [
    `.${basename(paths.tasks)}.${pid}-`,
    `${basename(paths.meta)}.${pid}-`,
    `${basename(paths.counters)}.${pid}-`,
    `${basename(paths.webhooks)}.${pid}-`,
    `${basename(paths.lock)}.stale-${pid}-`,
    `${basename(paths.breaking)}.${pid}.tmp`,
    `${basename(paths.breaking)}.stale-${pid}-`,
  ]);
  for (const name of readdirSync(paths.dir)) {
    if (!prefixes.some((prefix) => name.startsWith(prefix))) continue;
    try {
      unlinkSync(join(paths.dir, name));
    } catch {
      // gone already
    }
  }
}

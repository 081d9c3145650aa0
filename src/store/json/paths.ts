/**
 * The files of one JSON board, all beside tasks.json (seed 001 names `tasks.json` ↔
 * `tasks.lock`; another name `todo.json` gets `todo.lock`, `todo.audit.jsonl`, …). The id
 * counters keep seed 003's fixed name, `.task-id-counters.json`, so that one directory holds
 * one board.
 */
import { basename, dirname, join } from "node:path";

export interface BoardPaths {
  dir: string;
  tasks: string;
  /** The previous version of tasks.json, kept at every write. */
  backup: string;
  lock: string;
  /** Held only while a breaker judges and moves a stale lock (see lock-file.ts). */
  breaking: string;
  audit: string;
  counters: string;
  /** A snapshot of baton's sidecar (lease-token counter, audit position, agents, last commit). */
  meta: string;
  /** baton's sidecar as a journal: one line per commit, the last one current (sidecar-journal.ts). */
  journal: string;
  /** The audit archives `audit rotate` made (archive-manifest.ts). */
  archives: string;
  /** Webhooks, their cursors and delivery log (webhooks-file.ts). */
  webhooks: string;
  /** A temp file for the next version of tasks.json; the suffix makes it unique per commit. */
  tasksTemp(suffix: string): string;
}

export function boardPaths(tasksPath: string): BoardPaths {
  const dir = dirname(tasksPath);
  const file = basename(tasksPath);
  const stem = file.endsWith(".json") ? file.slice(0, -".json".length) : file;
  return {
    dir,
    tasks: tasksPath,
    backup: join(dir, `${file}.bak`),
    lock: join(dir, `${stem}.lock`),
    breaking: join(dir, `${stem}.lock.breaking`),
    audit: join(dir, `${stem}.audit.jsonl`),
    counters: join(dir, ".task-id-counters.json"),
    meta: join(dir, `${stem}.baton.json`),
    journal: join(dir, `${stem}.baton.jsonl`),
    webhooks: join(dir, `${stem}.webhooks.json`),
    archives: join(dir, `${stem}.archives.json`),
    tasksTemp: (suffix) => join(dir, `.${file}.${suffix}.tmp`),
  };
}

/**
 * A JSON board's backup: tasks.json with its sidecars (audit trail, counters, webhooks, and baton's
 * sidecar as one snapshot with no commit pending — the journal is folded into it), read under
 * tasks.lock so they are one consistent version, written as one bundle file:
 * {"format":"baton-json-backup","version":1,"tasksFile":…,"files":{name: text}}. Restore writes
 * each file back under the lock (temp file + rename, so no reader sees half a file) and
 * removes the journal, so every process reads the restored snapshot.
 */
import { readFileSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { writeFileDurably } from "./atomic-write.js";
import type { BoardPaths } from "./paths.js";

export const JSON_BACKUP_FORMAT = "baton-json-backup";

export interface JsonBackup {
  format: typeof JSON_BACKUP_FORMAT;
  version: 1;
  /** The tasks file's own name (tasks.json, todo.json…), so its sidecars can be matched. */
  tasksFile: string;
  /** File name (beside tasks.json) → its text; absent files are absent. */
  files: Record<string, string>;
}

/** The files a restore replaces (the journal is replaced by the snapshot in the bundle). */
function boardFiles(paths: BoardPaths): string[] {
  return [paths.tasks, paths.audit, paths.counters, paths.webhooks, paths.archives, paths.meta, paths.journal];
}

/** Call under the lock, with the sidecar as read under it (its text, no commit pending). */
export function readBundle(paths: BoardPaths, metaText: string): JsonBackup {
  const files: Record<string, string> = {};
  // The archives' list, not the archive files: those are named by path and read (checksum
  // and all) by the restore's replay; `baton backup` of a rotated board says to copy them.
  for (const path of [paths.tasks, paths.audit, paths.counters, paths.webhooks, paths.archives]) {
    const text = readIfPresent(path);
    if (text !== null) files[basename(path)] = text;
  }
  files[basename(paths.meta)] = metaText;
  return { format: JSON_BACKUP_FORMAT, version: 1, tasksFile: basename(paths.tasks), files };
}

export function writeBundle(file: string, bundle: JsonBackup, durable: boolean): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileDurably(temp, `${JSON.stringify(bundle)}\n`, durable);
  renameSync(temp, file);
}

export function parseBundle(file: string): JsonBackup {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new BatonError(ErrorCode.INVALID_INPUT, `cannot read the backup ${file}: ${(error as Error).message}`, { file });
  }
  const bundle = value as Partial<JsonBackup>;
  if (bundle?.format !== JSON_BACKUP_FORMAT || bundle.version !== 1 || typeof bundle.files !== "object" || typeof bundle.tasksFile !== "string") {
    throw new BatonError(ErrorCode.INVALID_INPUT, `${file} is not a JSON board backup made by \`baton backup\``, { file });
  }
  return bundle as JsonBackup;
}

/**
 * Writes the bundle's files as the board at `paths` (call under its lock, or on a board no one
 * else uses). The bundle's tasks file takes this board's tasks file name; its sidecars theirs.
 */
export function unpackBundle(bundle: JsonBackup, paths: BoardPaths, durable: boolean): void {
  const stem = (name: string): string => (name.endsWith(".json") ? name.slice(0, -".json".length) : name);
  const from = stem(bundle.tasksFile);
  const to = stem(basename(paths.tasks));
  const target = (name: string): string => {
    if (name === bundle.tasksFile) return paths.tasks;
    return join(paths.dir, name.startsWith(from) ? `${to}${name.slice(from.length)}` : name);
  };
  const written = new Set<string>();
  // tasks.json last: a reader that finds the new tasks finds their new sidecars too.
  const names = Object.keys(bundle.files).sort((a, b) => Number(a === bundle.tasksFile) - Number(b === bundle.tasksFile));
  for (const name of names) {
    const path = target(name);
    const temp = join(paths.dir, `.${basename(path)}.restore-${process.pid}.tmp`);
    writeFileDurably(temp, bundle.files[name] as string, durable);
    renameSync(temp, path);
    written.add(path);
  }
  for (const path of boardFiles(paths)) if (!written.has(path)) rmSync(path, { force: true });
}

function readIfPresent(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** The bundle with its sidecar's lease-token counter raised to at least `floor`. */
export function raiseTokenFloor(bundle: JsonBackup, metaName: string, floor: number): JsonBackup {
  const text = bundle.files[metaName];
  if (text === undefined) return bundle;
  const meta = JSON.parse(text) as { lease_token?: number };
  if ((meta.lease_token ?? 0) >= floor) return bundle;
  return { ...bundle, files: { ...bundle.files, [metaName]: `${JSON.stringify({ ...meta, lease_token: floor }, null, 2)}\n` } };
}

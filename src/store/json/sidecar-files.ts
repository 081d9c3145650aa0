/**
 * The small files beside tasks.json, parsed and validated:
 * - `.task-id-counters.json`, seed 003's shape `{"counters":{"SEC":19}}` (other top-level keys
 *   are kept as they are);
 * - baton's own sidecar: the board-wide lease-token counter, the last audit seq, agents and
 *   their heartbeats, and the last commit's pending work (see commit.ts) — kept in
 *   `tasks.baton.jsonl`, one line per commit, and `tasks.baton.json`, a snapshot of it (see
 *   sidecar-journal.ts).
 * A file that does not parse or has the wrong shape is CORRUPT_STORE, never overwritten.
 */
import { BatonError, ErrorCode } from "../../core/errors.js";
import { readRegular } from "./regular-files.js";
import type { Agent } from "../../core/task.js";

export interface CountersFile {
  counters: Record<string, number>;
  /** Top-level keys other than "counters", preserved. */
  rest: Record<string, unknown>;
  /** The file as read; null when there is none. */
  text: string | null;
}

/** What a commit will do, written before it is done so a crash mid-way can be finished. */
export interface PendingCommit {
  id: string;
  /** File name (in the board's directory) of the next tasks.json, or null if unchanged. */
  tasks_temp: string | null;
  /** Identity of tasks.json the change was computed from (inode:size:mtime). */
  tasks_before: string;
  /** Size of the audit file before this commit's lines. */
  audit_from: number;
  audit_lines: string;
  counters: Record<string, unknown> | null;
  /** A rotation's archive (archive-manifest.ts), finished after the audit append; absent before. */
  rotate?: Record<string, unknown> | null;
}

export interface MetaFile {
  lease_token: number;
  audit_seq: number;
  agents: Record<string, { capabilities: string[]; last_seen_at: string }>;
  pending: PendingCommit | null;
}

/** The file's text, null when there is none; never through a link (regular-files.ts). */
export function readText(path: string): string | null {
  return readRegular(path);
}

export function readCounters(path: string): CountersFile {
  const text = readText(path);
  if (text === null) return { counters: {}, rest: {}, text };
  const value = parseObject(path, text, '{"counters":{"SEC":19}}');
  const { counters = {}, ...rest } = value;
  if (typeof counters !== "object" || counters === null || Array.isArray(counters)) {
    throw corruptSidecar(path, '"counters" is not an object', '{"counters":{"SEC":19}}');
  }
  for (const [prefix, n] of Object.entries(counters)) {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      throw corruptSidecar(path, `counter "${prefix}" is ${JSON.stringify(n)}, not a whole number`, '{"counters":{"SEC":19}}');
    }
  }
  return { counters: counters as Record<string, number>, rest, text };
}

export function countersText(file: CountersFile): string {
  return `${JSON.stringify({ counters: file.counters, ...file.rest }, null, 2)}\n`;
}

export const EMPTY_META: MetaFile = { lease_token: 0, audit_seq: 0, agents: {}, pending: null };

export function readMeta(path: string): MetaFile {
  const text = readText(path);
  return text === null ? EMPTY_META : parseMeta(path, text);
}

/** `where` names the file (and line) in messages. */
export function parseMeta(where: string, text: string): MetaFile {
  const v = parseObject(where, text, "baton's sidecar");
  const whole = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
  if (!whole(v.lease_token) || !whole(v.audit_seq) || typeof v.agents !== "object" || v.agents === null) {
    throw corruptSidecar(where, "it lacks lease_token, audit_seq or agents", "baton's sidecar");
  }
  return v as unknown as MetaFile;
}

export function metaText(meta: MetaFile): string {
  return `${JSON.stringify(meta, null, 2)}\n`;
}

export function agentsOf(meta: MetaFile): Map<string, Agent> {
  return new Map(
    Object.entries(meta.agents).map(([id, a]) => [id, { id, capabilities: a.capabilities, lastSeenAt: a.last_seen_at }]),
  );
}

function parseObject(path: string, text: string, shape: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corruptSidecar(path, `it is not valid JSON (${(error as Error).message})`, shape);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw corruptSidecar(path, "it is not a JSON object", shape);
  }
  return value as Record<string, unknown>;
}

function corruptSidecar(path: string, problem: string, shape: string): BatonError {
  return new BatonError(
    ErrorCode.CORRUPT_STORE,
    `${path} is invalid: ${problem} (expected ${shape}). baton left it untouched: fix or restore it by hand`,
    { location: path },
  );
}

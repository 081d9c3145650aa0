/**
 * What a lock file says and whether it is stale. Seed 001's lock holds
 * `{"agent_id","timestamp"}`; baton adds `pid` and `host` so that a lock left by a dead
 * process on this machine can be recognised. A lock is stale only when it is older than the
 * threshold AND, when it names a pid on this host, that pid is gone. A lock written by hand
 * without a pid (or from another host) is judged by age alone; a lock with garbage in it by
 * the age of the file. A timestamp in the future (written by an agent whose clock is ahead) is
 * not believed — else the lock would look young for as long as the clock is ahead, years
 * perhaps — and the lock is judged by its file's mtime, which this host's kernel wrote.
 */
export interface LockRecord {
  agent_id: string;
  timestamp: string;
  pid: number;
  host: string;
}

export interface LockJudgement {
  stale: boolean;
  /** "agent X (pid 12 on host h) since 2026-…Z (41 s ago)", for messages. */
  holder: string;
  since: string;
  ageMs: number;
  /** Why it is (not) stale, for messages. */
  reason: string;
  /** The parsed record; null when the file holds garbage. */
  record: Partial<LockRecord> | null;
}

export interface LockFacts {
  content: string;
  mtimeMs: number;
  nowMs: number;
  staleMs: number;
  hostname: string;
  isAlive(pid: number): boolean;
}

export function judgeLock(facts: LockFacts): LockJudgement {
  const record = parseLockRecord(facts.content);
  const stamped = record?.timestamp === undefined ? NaN : Date.parse(record.timestamp);
  const future = Number.isFinite(stamped) && stamped > facts.nowMs + CLOCK_SLACK_MS;
  // The younger of the stamp and the file's mtime: a lock is old only when both say so.
  const sinceMs = Number.isFinite(stamped) && !future ? Math.max(stamped, facts.mtimeMs) : facts.mtimeMs;
  const ageMs = Math.max(0, facts.nowMs - sinceMs);
  const since = new Date(sinceMs).toISOString();
  const when = future
    ? ` stamped ${record?.timestamp} — in the future, its clock is ahead — written to disk at ${since} (${ago(facts.nowMs - sinceMs)})`
    : ` since ${since} (${ago(facts.nowMs - sinceMs)})`;
  const holder = describeHolder(record, facts.content) + when;
  const base = { holder, since, ageMs, record };
  if (ageMs < facts.staleMs) {
    return { ...base, stale: false, reason: `younger than the stale threshold of ${facts.staleMs / 1000} s` };
  }
  const pid = record?.pid;
  if (typeof pid === "number" && record?.host === facts.hostname) {
    return facts.isAlive(pid)
      ? { ...base, stale: false, reason: `its process ${pid} is still alive on this host` }
      : { ...base, stale: true, reason: `its process ${pid} is gone from this host` };
  }
  return {
    ...base,
    stale: true,
    reason: record === null ? "it holds no valid lock record and is old" : "it is older than the stale threshold",
  };
}

/** Clocks of one host's processes agree; a stamp this far ahead of ours is not from this clock. */
const CLOCK_SLACK_MS = 1_000;

function ago(ms: number): string {
  if (ms < -CLOCK_SLACK_MS) return `${Math.round(-ms / 1000)} s in the future`;
  return ms < 1_000 ? "just now" : `${Math.round(ms / 1000)} s ago`;
}

export function parseLockRecord(content: string): Partial<LockRecord> | null {
  try {
    const value: unknown = JSON.parse(content);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const v = value as Record<string, unknown>;
    const record: Partial<LockRecord> = {};
    if (typeof v.agent_id === "string") record.agent_id = v.agent_id;
    if (typeof v.timestamp === "string") record.timestamp = v.timestamp;
    if (typeof v.pid === "number" && Number.isInteger(v.pid) && v.pid > 0) record.pid = v.pid;
    if (typeof v.host === "string") record.host = v.host;
    return record;
  } catch {
    return null;
  }
}

function describeHolder(record: Partial<LockRecord> | null, content: string): string {
  if (record === null) {
    const shown = content.length > 60 ? `${content.slice(0, 60)}…` : content;
    return `an unreadable lock (it holds ${JSON.stringify(shown)}, not {"agent_id","timestamp"})`;
  }
  const where = record.pid !== undefined ? ` (pid ${record.pid}${record.host ? ` on ${record.host}` : ""})` : "";
  return `${record.agent_id ?? "an unnamed agent"}${where}`;
}

/** process.kill(pid, 0) probes without signalling: ESRCH means gone, EPERM means alive. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * `baton health`: every check a person (or CI) needs to trust a board, each named, with the
 * fix when it fails. Never modifies anything: it reads through `Store.peek` where the store
 * has one (the JSON store's plain read would break a stale lock), and the store's own checks
 * (schema, integrity, locks, WAL) come from `Store.inspect`.
 */
import { isBatonError } from "../core/errors.js";
import { formatDuration } from "../core/duration.js";
import { toIso } from "../core/time.js";
import { livenessOf } from "../core/workload.js";
import { oldestReady } from "./oldest-ready.js";
import type { BoardPolicy } from "../core/policy.js";
import { verifyArchive } from "../store/archive-file.js";
import { defaultArchiveFolder, strayArchives } from "./audit-rotate.js";
import type { EventArchive, Store, StoreCheck, StoreReader } from "../store/store.js";

export type HealthCheck = StoreCheck;

export interface HealthReport {
  healthy: boolean;
  checks: HealthCheck[];
}

/** How many ids a check names before it says "and N more". */
const NAMED = 5;

export async function checkHealth(
  store: Store,
  policy: BoardPolicy,
  now: (tx: StoreReader) => Promise<number>,
  options: { integrity?: boolean } = {},
): Promise<HealthReport> {
  const checks: HealthCheck[] = [];
  let storeChecks: StoreCheck[] = [];
  try {
    storeChecks = store.inspect ? await store.inspect(options) : [];
  } catch (error) {
    return report([unreachable(store, error)]);
  }
  const broken = storeChecks.some((c) => !c.ok && c.name === "integrity");
  if (broken) return report([{ name: "store reachable", ok: true, detail: `${store.kind} ${store.location}` }, ...storeChecks]);
  const read = store.peek ? store.peek.bind(store) : store.read.bind(store);
  try {
    const { boardChecks, archives } = await read(async (tx) => ({
      boardChecks: await boardLevelChecks(tx, await now(tx), policy),
      archives: await tx.listArchives(),
    }));
    const archiveCheck = await checkArchives(store, archives, options.integrity ?? true);
    checks.push(
      { name: "store reachable", ok: true, detail: `${store.kind} ${store.location}` },
      ...storeChecks,
      ...boardChecks,
      ...(archiveCheck ? [archiveCheck] : []),
    );
  } catch (error) {
    checks.push(unreachable(store, error), ...storeChecks);
  }
  return report(checks);
}

/**
 * Each audit archive's checksum (`integrity: false` skips reading them), and files in the
 * default archive folder no archive records (left by an interrupted `audit rotate`). No check
 * at all on a board that was never rotated.
 */
async function checkArchives(store: Store, archives: readonly EventArchive[], integrity: boolean): Promise<HealthCheck | null> {
  const strays = strayArchives(defaultArchiveFolder(store), archives);
  if (archives.length === 0 && strays.length === 0) return null;
  const name = "audit archives";
  const problems: string[] = [];
  if (integrity) {
    for (const archive of archives) {
      try {
        await verifyArchive(archive);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
  }
  if (problems.length > 0) return { name, ok: false, detail: problems.join("; "), fix: "put back each archive from a backup: archives are never edited" };
  if (strays.length > 0) {
    return {
      name,
      ok: false,
      detail: `${strays.length} file(s) no archive records, left by an interrupted \`audit rotate\`: ${named(strays)}`,
      fix: "remove them (their events are still on the board), or run `audit rotate` again, which replaces one of the same name",
    };
  }
  const events = archives.reduce((n, a) => n + a.count, 0);
  return { name, ok: true, detail: `${archives.length} archive(s), ${events} event(s) up to seq ${archives.at(-1)?.toSeq}${integrity ? ", checksums match" : ""}` };
}

function report(checks: HealthCheck[]): HealthReport {
  return { healthy: checks.every((c) => c.ok), checks };
}

export function unreachable(store: { kind: string; location: string }, error: unknown): HealthCheck {
  const message = error instanceof Error ? error.message : String(error);
  return {
    name: "store reachable",
    ok: false,
    detail: `${store.kind} ${store.location}: ${message}`,
    fix: isBatonError(error) && error.code === "CORRUPT_STORE" ? "restore a backup (`baton restore FILE`)" : "check the store URL, the file's permissions or the server",
  };
}

async function boardLevelChecks(tx: StoreReader, now: number, policy: BoardPolicy): Promise<HealthCheck[]> {
  const nowIso = toIso(now);
  const checks: HealthCheck[] = [];

  const expired = await tx.expiredLeases(nowIso, 1000);
  checks.push(
    expired.length === 0
      ? { name: "expired leases", ok: true, detail: "none waiting to be recovered" }
      : {
          name: "expired leases",
          ok: false,
          detail: `${expired.length} expired lease(s) not yet recovered: ${named(expired.map((t) => `${t.id} (held by ${t.assignedTo})`))}`,
          fix: "`baton heal` recovers them now; run `baton monitor` so it happens on its own",
        },
  );

  const agents = await tx.listAgents();
  const dead = agents.filter((a) => livenessOf(a, now, policy) === "dead");
  const held = await tx.listTasks({ statuses: ["in_progress"] });
  const deadHolding = dead.filter((a) => held.some((t) => t.assignedTo === a.id));
  checks.push(
    deadHolding.length === 0
      ? { name: "dead agents", ok: true, detail: dead.length ? `${dead.length} dead agent(s), holding nothing` : "none" }
      : {
          name: "dead agents",
          ok: false,
          detail: `${named(deadHolding.map((a) => `${a.id} (unseen since ${a.lastSeenAt}, holds ${held.filter((t) => t.assignedTo === a.id).map((t) => t.id).join(", ")})`))}`,
          fix: "`baton heal` declares them dead and recovers their tasks",
        },
  );

  const poisoned = await tx.listTasks({ statuses: ["dead"] });
  checks.push(
    poisoned.length === 0
      ? { name: "poison pills", ok: true, detail: "none" }
      : {
          name: "poison pills",
          ok: false,
          detail: `${poisoned.length} task(s) failed every attempt: ${named(poisoned.map((t) => `${t.id} (${t.lastError ?? "no error recorded"})`))}`,
          fix: `fix the cause, then \`baton revive ${poisoned[0]!.id}\` (or \`baton cancel ${poisoned[0]!.id}\`)`,
        },
  );

  checks.push({ name: "oldest ready task", ok: true, detail: await oldestReadyDetail(tx, now) });
  return checks;
}

/** Counted, not listed: the pending tasks are a count over an index, the walk a few pages (oldest-ready.ts). */
async function oldestReadyDetail(tx: StoreReader, now: number): Promise<string> {
  const pending = await tx.countTasks({ statuses: ["pending"] });
  const { task, walked, exact } = await oldestReady(tx);
  const partly = exact ? "" : `; the longest-waiting of the first ${walked} by creation, others may have waited longer`;
  if (task === undefined) return exact ? "nothing is ready" : `none ready among the first ${walked} of ${pending} pending tasks by creation`;
  return `${task.id} has waited ${formatDuration(Math.max(0, now - Date.parse(task.updatedAt)))} (${pending} pending${partly})`;
}

function named(items: readonly string[]): string {
  return items.slice(0, NAMED).join(", ") + (items.length > NAMED ? ` and ${items.length - NAMED} more` : "");
}

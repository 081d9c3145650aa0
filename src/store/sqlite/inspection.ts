/**
 * SQLite's health checks: the schema version, `PRAGMA quick_check` (every page and index
 * entry, without the slower cross-checks of integrity_check), and the WAL's size. Read-only.
 */
import { statSync } from "node:fs";
import { MIGRATIONS } from "./migrations.js";
import type Database from "better-sqlite3";
import type { StoreCheck } from "../store.js";

/**
 * A WAL past this is worth a look: baton checkpoints every 10,000 pages (~40 MB, see
 * sqlite-store.ts), so a WAL far past that means a reader kept a snapshot open and blocked
 * checkpoints.
 */
const WAL_WARN_BYTES = 256 * 1024 * 1024;

export function inspectSqlite(db: Database.Database, location: string, integrity: boolean): StoreCheck[] {
  const checks: StoreCheck[] = [];
  const version = db.pragma("user_version", { simple: true }) as number;
  checks.push(
    version === MIGRATIONS.length
      ? { name: "schema", ok: true, detail: `schema version ${version}` }
      : {
          name: "schema",
          ok: false,
          detail: `schema version ${version}, this baton knows ${MIGRATIONS.length}`,
          fix: version > MIGRATIONS.length ? "upgrade baton" : "open the board once with a write (`baton heal`) to migrate it",
        },
  );
  if (integrity) {
    const started = performance.now();
    const rows = db.pragma("quick_check(20)") as { quick_check: string }[];
    const ms = performance.now() - started;
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
    checks.push(
      problems.length === 0
        ? { name: "integrity", ok: true, detail: `PRAGMA quick_check: ok (${ms.toFixed(0)} ms)` }
        : {
            name: "integrity",
            ok: false,
            detail: `PRAGMA quick_check: ${problems.slice(0, 5).join("; ")}`,
            fix: "restore the last good backup (`baton restore FILE`); the damaged file was left as it is",
          },
    );
  }
  const walBytes = sizeOf(`${location}-wal`);
  checks.push(
    walBytes <= WAL_WARN_BYTES
      ? { name: "wal size", ok: true, detail: `${megabytes(walBytes)} MB` }
      : {
          name: "wal size",
          ok: false,
          detail: `${megabytes(walBytes)} MB: a long-lived reader is holding back checkpoints`,
          fix: "stop the process that keeps a read open (a stuck `baton watch` or script); the next write checkpoints",
        },
  );
  return checks;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

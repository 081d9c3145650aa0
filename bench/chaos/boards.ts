/**
 * Fresh boards for the chaos scenarios, one per scenario: a temp file for SQLite and JSON, a new
 * database on one throwaway PostgreSQL server (test/support/postgres-server.ts, loopback only)
 * started on first use and stopped by `stopChaosServers` (the run and the short tests call it
 * in a finally/afterAll).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres } from "../../test/support/postgres-server.js";
import type { PostgresServer } from "../../test/support/postgres-server.js";

export type ChaosStore = "sqlite" | "json" | "postgres";

let postgres: Promise<PostgresServer> | undefined;

/** The suite's PostgreSQL server (started on first use; 64 agents × a pool of 4 fit in 400). */
export function chaosPostgres(): Promise<PostgresServer> {
  postgres ??= startPostgres({ maxConnections: 400 });
  return postgres;
}

export async function freshUrl(store: ChaosStore): Promise<string> {
  if (store === "postgres") return (await chaosPostgres()).createDatabase("chaos");
  const dir = mkdtempSync(join(tmpdir(), `baton-chaos-${store}-`));
  return store === "sqlite" ? `sqlite:${join(dir, "board.db")}` : `json:${join(dir, "tasks.json")}`;
}

export async function stopChaosServers(): Promise<void> {
  const started = postgres;
  postgres = undefined;
  if (started) (await started).stop();
}

/**
 * The URL the racing and crashing agents open: SQLite and JSON boards with a 600 s lock wait
 * instead of the default 30 s. With the machine shared (load 60 measured on 2 cores during a
 * chaos run), one JSON commit of 10,000 tasks took seconds, and 15 of 16 racers gave up with
 * LOCK_TIMEOUT (exit 6) — a wait the docs tell users to raise under load, not a safety
 * invariant. The races check safety; how fast they go is the cycles/s figure.
 */
export function patientUrl(url: string): string {
  if (!url.startsWith("sqlite:") && !url.startsWith("json:")) return url;
  return `${url}${url.includes("?") ? "&" : "?"}lockTimeoutSeconds=600`;
}

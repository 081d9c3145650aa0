/**
 * PostgreSQL's health checks: the database answers, and its baton schema is the version this
 * baton knows. Integrity of the pages is PostgreSQL's own business (checksums, amcheck);
 * baton checks what it owns.
 */
import { MIGRATIONS, schemaVersion } from "./schema.js";
import type pg from "pg";
import type { StoreCheck } from "../store.js";

export async function inspectPostgres(client: pg.ClientBase, location: string): Promise<StoreCheck[]> {
  const started = performance.now();
  await client.query("SELECT 1");
  const roundTripMs = performance.now() - started;
  const version = await schemaVersion(client);
  const schema: StoreCheck =
    version === MIGRATIONS.length
      ? { name: "schema", ok: true, detail: `schema version ${version}` }
      : {
          name: "schema",
          ok: false,
          detail: `schema version ${version}, this baton knows ${MIGRATIONS.length}`,
          fix:
            version < MIGRATIONS.length
              ? `run \`baton init --store ${location}\` to migrate it`
              : "upgrade baton: the board was migrated by a newer one",
        };
  return [{ name: "connectivity", ok: true, detail: `${location} answered in ${roundTripMs.toFixed(1)} ms` }, schema];
}

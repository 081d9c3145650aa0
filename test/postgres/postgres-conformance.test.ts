/**
 * The PostgreSQL store runs the whole conformance suite on a throwaway server (one new
 * database per board), with 32 racing processes, each with its own connection pool.
 */
import { afterAll, beforeAll } from "vitest";
import { runConformanceSuite } from "../conformance/suite.js";
import { startPostgres } from "../support/postgres-server.js";
import type { PostgresServer } from "../support/postgres-server.js";

let server: PostgresServer | undefined;
beforeAll(async () => {
  server = await startPostgres({ maxConnections: 300 });
});
afterAll(() => server?.stop());

runConformanceSuite({
  name: "postgres",
  freshUrl: async () => {
    if (!server) throw new Error("the PostgreSQL test server did not start (see the beforeAll error)");
    return server.createDatabase("conformance");
  },
  raceProcesses: 32,
});

/**
 * What only the PostgreSQL store has: opening (schema created once under racing processes,
 * clear errors for an unreachable server, a wrong password, a missing database or board, and
 * never the password in a message), the database's own guards, and values PostgreSQL refuses.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBoard, openStore } from "../../src/index.js";
import { expectRefusedUnchanged, refusal } from "../conformance/harness.js";
import { raceWorkers } from "../support/processes.js";
import { startPostgres, TEST_PASSWORD } from "../support/postgres-server.js";
import { MIGRATIONS } from "../../src/store/postgres/schema.js";
import type { PostgresServer } from "../support/postgres-server.js";
import type { Agent } from "../../src/index.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server?.stop());

async function sql<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

describe("postgres store: opening", () => {
  it("16 processes opening a brand-new board at once create its schema exactly once and all work", async () => {
    const url = await server.createDatabase("migrate");
    const { results } = await raceWorkers<{ id: string }>(
      "pg-opener",
      Array.from({ length: 16 }, (_, i) => ({ url, agent: `opener-${i}` })),
    );
    expect(results.map((r) => r.id).sort()).toEqual(Array.from({ length: 16 }, (_, i) => `T-${i + 1}`).sort());
    expect(await sql(url, "SELECT version FROM baton_schema_version ORDER BY version")).toEqual(
      MIGRATIONS.map((_, i) => ({ version: i + 1 })),
    );
  });

  it("an unreachable server is STORE_UNAVAILABLE naming host and port, never the password", async () => {
    const port = await deadPort();
    const url = `postgres://agent:${TEST_PASSWORD}@127.0.0.1:${port}/board`;
    const error = await refusal(openBoard(url));
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain("connection refused");
    expect(JSON.stringify(error)).not.toContain(TEST_PASSWORD);
  });

  it("a wrong password is STORE_UNAVAILABLE saying authentication failed, without either password", async () => {
    const url = (await server.createDatabase("auth")).replace(encodeURIComponent(TEST_PASSWORD), "wrong-pw-123");
    const error = await refusal(openBoard(url));
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toContain("authentication failed");
    expect(JSON.stringify(error)).not.toContain("wrong-pw-123");
    expect(JSON.stringify(error)).not.toContain(TEST_PASSWORD);
  });

  it("a database that does not exist is STORE_UNAVAILABLE telling to create it", async () => {
    const error = await refusal(openBoard(server.url("no_such_db")));
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toContain('database "no_such_db" does not exist');
    expect(error.message).toContain("createdb");
    expect(error.message).not.toContain(TEST_PASSWORD);
  });

  it("create: false on an empty database is NOT_FOUND pointing at `baton init`, and creates nothing", async () => {
    const url = await server.createDatabase("empty");
    const error = await refusal(openBoard(url, { create: false }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("baton init");
    expect(error.message).not.toContain(TEST_PASSWORD);
    expect(await sql(url, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'baton_%'")).toEqual([{ n: 0 }]);
  });

  it("the board's location shows user, host, port and database but not the password", async () => {
    const url = await server.createDatabase("where");
    const board = await openBoard(url);
    try {
      expect(board.store.location).toBe(`postgres://postgres@127.0.0.1:${server.port}/${new URL(url).pathname.slice(1)}`);
    } finally {
      await board.close();
    }
  });
});

describe("postgres store: the database's own guards", () => {
  it("an agent row read without a lock and changed by another process before this transaction rewrites it: the rewrite runs again on the new row", async () => {
    const url = await server.createDatabase("agent_race");
    const [store, other] = await Promise.all([openStore(url), openStore(url)]);
    try {
      await store.transaction(async (tx) => tx.putAgent({ id: "agent-a", capabilities: [], lastSeenAt: "2026-01-01T00:00:00.000Z" }));
      const seen: string[][] = [];
      await store.transaction(async (tx) => {
        const agent = (await tx.getAgent("agent-a")) as Agent;
        seen.push(agent.capabilities);
        // Only on the first run: another process changes the row between read and write.
        if (seen.length === 1) {
          await other.transaction(async (o) => o.putAgent({ ...agent, capabilities: ["gpu"] }));
        }
        await tx.putAgent({ ...agent, lastSeenAt: "2026-01-01T00:00:05.000Z" });
      });
      expect(seen).toEqual([[], ["gpu"]]);
      expect(await other.read((r) => r.getAgent("agent-a"))).toEqual({
        id: "agent-a",
        capabilities: ["gpu"],
        lastSeenAt: "2026-01-01T00:00:05.000Z",
      });
    } finally {
      await Promise.all([store.close(), other.close()]);
    }
  });

  it("the audit trail refuses UPDATE, DELETE and TRUNCATE even from plain SQL", async () => {
    const url = await server.createDatabase("append_only");
    const board = await openBoard(url);
    try {
      await board.add({ title: "one" });
      for (const statement of ["UPDATE baton_events SET details = 'x'", "DELETE FROM baton_events", "TRUNCATE baton_events"]) {
        await expect(sql(url, statement)).rejects.toThrow("baton audit events are append-only");
      }
      expect((await board.audit()).map((e) => e.type)).toEqual(["CREATED"]);
    } finally {
      await board.close();
    }
  });

  it("after audit rotate the archived seqs are gone from the table, and a hand DELETE, UPDATE or TRUNCATE of the rest (or of the archives) is still refused", async () => {
    const url = await server.createDatabase("rotate_append_only");
    const clock = { ms: Date.parse("2030-01-01T00:00:00Z") };
    const board = await openBoard(url, { clock: () => clock.ms });
    const dir = mkdtempSync(join(tmpdir(), "baton-pg-archive-"));
    try {
      await board.addMany([{ title: "one" }, { title: "two" }]);
      clock.ms += 3600_000;
      await board.add({ title: "three" });
      const report = await board.rotateAudit({ before: "2030-01-01T00:30:00Z", archive: join(dir, "old.jsonl") });
      expect(report.archive).toMatchObject({ fromSeq: 1, toSeq: 2, count: 2 });
      expect((await sql<{ seq: string }>(url, "SELECT seq FROM baton_events ORDER BY seq")).map((r) => Number(r.seq))).toEqual([3, 4]);
      for (const statement of [
        "DELETE FROM baton_events",
        "DELETE FROM baton_events WHERE seq = 3",
        "UPDATE baton_events SET details = 'x'",
        "TRUNCATE baton_events",
        "DELETE FROM baton_archives",
        "UPDATE baton_archives SET to_seq = 4",
      ]) {
        await expect(sql(url, statement), statement).rejects.toThrow("baton audit events are append-only");
      }
      expect((await board.audit()).map((e) => `${e.seq} ${e.type}`)).toEqual(["1 CREATED", "2 CREATED", "3 CREATED", "4 ROTATED"]);
    } finally {
      await board.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a NUL character in a text field, which PostgreSQL cannot store, is INVALID_INPUT and leaves the board untouched; in metadata it is kept", async () => {
    const board = await openBoard(await server.createDatabase("nul"), { clock: () => Date.parse("2030-01-01T00:00:00Z") });
    try {
      await board.add({ title: "one" });
      const error = await expectRefusedUnchanged(board, () => board.add({ title: "bad\u0000title" }), "INVALID_INPUT");
      expect(error.message).toContain("NUL");
      await expectRefusedUnchanged(board, () => board.update("T-1", { description: "a\u0000b" }), "INVALID_INPUT");
      // json columns keep the escaped text, so metadata may hold one.
      await board.update("T-1", { metadata: { note: "a\u0000b" } });
      expect((await board.get("T-1")).metadata).toEqual({ note: "a\u0000b" });
    } finally {
      await board.close();
    }
  });

  it("metadata keeps its key order and exact JSON text through the database", async () => {
    const board = await openBoard(await server.createDatabase("json"));
    try {
      const metadata = { zeta: 1, alpha: { b: 2, a: [3, 1.5, "x"] }, dup: null };
      await board.add({ title: "json", metadata });
      expect(JSON.stringify((await board.get("T-1")).metadata)).toBe(JSON.stringify(metadata));
    } finally {
      await board.close();
    }
  });
});

/**
 * Fencing tokens never repeat, on every store: a token counter hand-set near 2^53 gives the
 * last exact token once and then refuses (CORRUPT_STORE, board unchanged) instead of handing
 * out 2^53 twice; a stored token outside the safe range (1e308, 2^60) is CORRUPT_STORE naming
 * the record it is in.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBoard } from "../src/index.js";
import { expectRefusedUnchanged, refusal } from "./conformance/harness.js";
import { startPostgres } from "./support/postgres-server.js";
import type { Board } from "../src/index.js";
import type { PostgresServer } from "./support/postgres-server.js";

const MAX = Number.MAX_SAFE_INTEGER;
const root = mkdtempSync(join(tmpdir(), "baton-token-range-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => mkdtempSync(join(root, `d${++dirs}-`));

/** Two claims after the counter was set to MAX − 1: the first gets MAX, the second is refused. */
async function lastTokenThenRefusal(board: Board): Promise<void> {
  const first = await board.claim({ agent: "a1" });
  expect(first?.leaseToken).toBe(MAX);
  const error = await expectRefusedUnchanged(board, () => board.claim({ agent: "a2" }), "CORRUPT_STORE");
  expect(error.message).toMatch(/last exact lease token \(9007199254740991\); no further token can be handed out without repeating one/);
}

describe("sqlite", () => {
  async function board(): Promise<{ board: Board; path: string }> {
    const path = join(freshDir(), "board.db");
    const b = await openBoard(`sqlite:${path}`);
    await b.addMany([{ title: "one" }, { title: "two" }]);
    return { board: b, path };
  }
  const raw = (path: string, sql: string, ...params: unknown[]): void => {
    const db = new Database(path);
    db.prepare(sql).run(...params);
    db.close();
  };

  it("meta's lease_token at 2^53 − 2: one claim gets 2^53 − 1, the next is CORRUPT_STORE, not the same token", async () => {
    const { board: b, path } = await board();
    raw(path, "UPDATE meta SET value = ? WHERE key = 'lease_token'", MAX - 1);
    await lastTokenThenRefusal(b);
    await b.close();
  });

  it("meta's lease_token at 1e308: CORRUPT_STORE naming the board, nothing claimed", async () => {
    const { board: b, path } = await board();
    raw(path, "UPDATE meta SET value = 1e308 WHERE key = 'lease_token'");
    const error = await expectRefusedUnchanged(b, () => b.claim({ agent: "a1" }), "CORRUPT_STORE");
    expect(error.message).toBe(
      `the board ${path} (its newest event seq, or meta's lease_token) holds the lease token 1e+308, which is not a whole ` +
        "number from 0 to 9007199254740991; fencing tokens must be exact: restore the board from a backup, or set that token back by hand",
    );
    await b.close();
  });

  it("a task row holding the token 1e308 is CORRUPT_STORE naming the task", async () => {
    const { board: b, path } = await board();
    raw(path, "UPDATE tasks SET lease_token = 1e308 WHERE id = 'T-2'");
    const error = await refusal(b.list());
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toMatch(/^task T-2 holds the lease token 1e\+308/);
    await b.close();
  });
});

describe("json", () => {
  async function board(token: number): Promise<{ board: Board; path: string }> {
    const path = join(freshDir(), "tasks.json");
    const setup = await openBoard(`json:${path}`);
    await setup.addMany([{ title: "one" }, { title: "two" }, { title: "three" }]);
    await setup.close();
    // A hand edit of tasks.json: a cancelled task left carrying a huge token.
    const tasks = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>[];
    (tasks[2] as Record<string, unknown>).lease_token = token;
    writeFileSync(path, JSON.stringify(tasks, null, 2).replace(`"lease_token": ${JSON.stringify(token)}`, `"lease_token": ${token === 1e308 ? "1e308" : token}`));
    return { board: await openBoard(`json:${path}`), path };
  }

  it("a task's lease_token at 2^53 − 2: one claim gets 2^53 − 1, the next is CORRUPT_STORE, not the same token", async () => {
    const { board: b } = await board(MAX - 1);
    await lastTokenThenRefusal(b);
    await b.close();
  });

  it("a task's lease_token of 1e308 is CORRUPT_STORE naming the record, not a token reused", async () => {
    const { board: b, path } = await board(1e308);
    const before = readFileSync(path);
    const error = await refusal(b.claim({ agent: "a1" }));
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toContain(`has "lease_token": 1e+308, expected a whole number from 1 to 9007199254740991`);
    expect(error.message).toContain(path);
    expect(readFileSync(path).equals(before)).toBe(true);
    await b.close().catch(() => undefined);
  });
});

describe("postgres", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(() => server?.stop());
  async function sql(url: string, text: string, values: unknown[] = []): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  it("the event sequence at 2^53 − 2: one claim gets 2^53 − 1, the next is CORRUPT_STORE, not the same token", async () => {
    const url = await server.createDatabase("tokens");
    const b = await openBoard(url);
    await b.addMany([{ title: "one" }, { title: "two" }]);
    await sql(url, "SELECT setval('baton_events_seq', $1)", [String(MAX - 1)]);
    const first = await b.claim({ agent: "a1" });
    expect(first?.leaseToken).toBe(MAX);
    const error = await refusal(b.claim({ agent: "a2" }));
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toMatch(/^the event sequence baton_events_seq holds the lease token 9007199254740992/);
    expect((await b.list()).map((t) => [t.id, t.status])).toEqual([["T-1", "in_progress"], ["T-2", "pending"]]);
    await b.close();
  });

  it("a task row holding the token 2^60 is CORRUPT_STORE naming the task, not a rounded number", async () => {
    const url = await server.createDatabase("tokens");
    const b = await openBoard(url);
    await b.addMany([{ title: "one" }]);
    await sql(url, "UPDATE baton_tasks SET lease_token = 1152921504606846977 WHERE id = 'T-1'");
    const error = await refusal(b.list());
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toMatch(/^task T-1 holds the lease token 1152921504606846977, which is not a whole number/);
    await b.close();
  });
});

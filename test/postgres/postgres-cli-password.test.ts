/**
 * The PostgreSQL password is never printed nor saved: `baton init --store postgres://u:PW@…`
 * connects with it, prints and records the URL without it; later commands read it from
 * PGPASSWORD, or from the variable the config's "passwordEnv" names.
 */
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baton, jsonError } from "../cli/cli.js";
import { startPostgres, TEST_PASSWORD } from "../support/postgres-server.js";
import type { PostgresServer } from "../support/postgres-server.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(() => server?.stop());

/** Everything init left in .baton/, as one string. */
const batonDirText = (dir: string): string =>
  readdirSync(join(dir, ".baton")).map((name) => readFileSync(join(dir, ".baton", name), "utf8")).join("\n");

describe("the PostgreSQL password", () => {
  test("init prints (human and --json) and saves the URL without the password; PGPASSWORD serves later commands", async () => {
    const url = await server.createDatabase("pw");
    expect(url).toContain(`:${TEST_PASSWORD}@`);
    const bare = url.replace(`:${TEST_PASSWORD}@`, "@");
    const dir = mkdtempSync(join(tmpdir(), "baton-pg-pw-"));
    const human = baton(["init", "--store", url], { cwd: dir });
    expect(human.code).toBe(0);
    expect(human.stdout + human.stderr).not.toContain(TEST_PASSWORD);
    expect(human.stdout).toContain(`created a board at ${bare} (settings in ${join(dir, ".baton", "config.json")})`);
    expect(human.stdout).toContain("the password was not saved: later commands read it from PGPASSWORD or ~/.pgpass");
    const json = baton(["init", "--store", url, "--json"], { cwd: dir });
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain(TEST_PASSWORD);
    expect(JSON.parse(json.stdout).store).toBe(bare);
    expect(JSON.parse(readFileSync(join(dir, ".baton", "config.json"), "utf8"))).toEqual({ store: bare });
    expect(batonDirText(dir)).not.toContain(TEST_PASSWORD);
    expect(baton(["add", "with PGPASSWORD"], { cwd: dir, env: { PGPASSWORD: TEST_PASSWORD } }).code).toBe(0);
  }, 60_000);

  test("--password-env NAME records the variable's name; without it set, a command is exit 2 naming it", async () => {
    const url = await server.createDatabase("pw");
    const bare = url.replace(`:${TEST_PASSWORD}@`, "@");
    const dir = mkdtempSync(join(tmpdir(), "baton-pg-pw-"));
    const init = baton(["init", "--store", bare, "--password-env", "BOARD_PW"], { cwd: dir, env: { BOARD_PW: TEST_PASSWORD } });
    expect(init.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, ".baton", "config.json"), "utf8"))).toEqual({ store: bare, passwordEnv: "BOARD_PW" });
    expect(batonDirText(dir)).not.toContain(TEST_PASSWORD);
    expect(baton(["add", "with BOARD_PW"], { cwd: dir, env: { BOARD_PW: TEST_PASSWORD } }).code).toBe(0);
    const unset = baton(["list", "--json"], { cwd: dir });
    expect(unset.code).toBe(2);
    expect(jsonError(unset).message).toBe(
      `${join(dir, ".baton", "config.json")} says the database password is in $BOARD_PW, which is not set; ` +
        'export BOARD_PW, or remove "passwordEnv" to use PGPASSWORD or ~/.pgpass',
    );
  }, 60_000);
});

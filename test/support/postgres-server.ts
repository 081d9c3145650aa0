/**
 * A throwaway PostgreSQL server for tests and benchmarks: initdb + pg_ctl in a temp dir,
 * listening on 127.0.0.1 only (a free port) with its unix socket inside the temp dir. When we
 * run as root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
 * No silent skipping: if PostgreSQL is missing or cannot start, `startPostgres` throws a message
 * that says what to install.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const TEST_PASSWORD = "s3cret-test-pw";

export interface PostgresServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly dir: string;
  /** A URL for `database` (with the password: tests use it to check it never leaks). */
  url(database: string): string;
  /** Creates a new, empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast shutdown: open connections are cut), keeping its data. */
  stopServer(): void;
  /** Starts the stopped server again on the same port. */
  startServer(): void;
  /**
   * Stops the server with `mode` and starts it again after `downMs`: "fast" cuts open
   * connections and rolls back their transactions; "immediate" kills every server process
   * at once (crash recovery from the WAL on the next start).
   */
  restartServer(mode: "fast" | "immediate", downMs?: number): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): void;
}

export interface StartOptions {
  maxConnections?: number;
  /**
   * fsync on (the default PostgreSQL setting) or off. Tests turn it off: they test
   * concurrency, not power loss, and a 2-core machine shared by many engineers is slow enough.
   */
  fsync?: boolean;
}

/** The database's clock in epoch ms, read on a connection of its own. */
export async function databaseNow(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ ms: string }>("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::int8 AS ms");
    return Number(rows[0]?.ms);
  } finally {
    await client.end();
  }
}

export function findPostgresBinDir(): string {
  const candidates: string[] = [];
  const fromConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (fromConfig.status === 0) candidates.push(fromConfig.stdout.trim());
  if (existsSync("/usr/lib/postgresql")) {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join("/usr/lib/postgresql", v, "bin"));
  }
  const found = candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
  if (!found) {
    throw new Error(
      "PostgreSQL server binaries (initdb, pg_ctl) not found via `pg_config --bindir` or /usr/lib/postgresql/*/bin; " +
        "install them (Debian/Ubuntu: `apt-get install -y postgresql`) — the PostgreSQL tests need a real server",
    );
  }
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "baton-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const pwfile = join(dir, "pwfile");
  writeFileSync(pwfile, `${TEST_PASSWORD}\n`);
  if (asRoot) {
    const ids = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
    const gid = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
    chownSync(dir, Number(ids), Number(gid));
    chownSync(pwfile, Number(ids), Number(gid));
  }
  chmodSync(dir, 0o700);
  const run = (tool: string, args: string[]): void => {
    const [cmd, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(bin, tool), ...args]]
      : [join(bin, tool), args];
    const result = spawnSync(cmd, argv, { encoding: "utf8", cwd: dir });
    if (result.status !== 0) {
      const serverLog = existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "";
      throw new Error(
        `PostgreSQL test server: \`${tool} ${args.join(" ")}\` failed (exit ${result.status}): ` +
          `${result.error?.message ?? ""}${result.stderr}${result.stdout}\n${serverLog}`,
      );
    }
  };
  try {
    run("initdb", [
      "-D", data, "-U", "postgres", "-E", "UTF8", "--no-sync",
      "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`,
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const port = await freePort();
  const settings = [
    `-c listen_addresses=127.0.0.1`,
    `-p ${port}`,
    `-c unix_socket_directories=${dir}`,
    `-c max_connections=${options.maxConnections ?? 200}`,
    `-c fsync=${options.fsync === true ? "on" : "off"}`,
    `-c shared_buffers=64MB`,
  ].join(" ");
  const start = (): void => run("pg_ctl", ["-D", data, "-l", log, "-o", settings, "-w", "-t", "60", "start"]);
  const stopServer = (mode: "fast" | "immediate" = "fast"): void => run("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
  try {
    start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = (database: string): string =>
    `postgres://postgres:${encodeURIComponent(TEST_PASSWORD)}@127.0.0.1:${port}/${database}`;
  let counter = 0;
  let running = true;
  return {
    host: "127.0.0.1",
    port,
    dir,
    url,
    async createDatabase(prefix = "board") {
      const name = `${prefix}_${process.pid}_${++counter}`;
      const admin = new pg.Client({ connectionString: url("postgres") });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stopServer() {
      stopServer();
      running = false;
    },
    startServer() {
      start();
      running = true;
    },
    async restartServer(mode, downMs = 0) {
      stopServer(mode);
      running = false;
      await new Promise((resolve) => setTimeout(resolve, downMs));
      start();
      running = true;
    },
    stop() {
      try {
        if (running) stopServer();
      } finally {
        running = false;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Where the board is: `--store URL`, else `BATON_STORE`, else the nearest `.baton/` upwards
 * from the working directory (like git finds `.git/`). `.baton/config.json` may name another
 * store and hold the board policy; relative store paths in it are relative to the directory
 * that holds `.baton/`, so the board is the same from any subdirectory.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import * as z from "zod/mini";
import { BatonError, ErrorCode, invalidInput } from "../core/errors.js";
import { policySchema } from "../core/policy.js";
import { parseInput } from "../core/validation.js";
import { parseStoreUrl, storeUrlPassword, storeUrlWithPassword } from "../store/open.js";
import type { BoardPolicyInput } from "../core/policy.js";

export const BATON_DIR = ".baton";
export const CONFIG_FILE = "config.json";
export const DEFAULT_DB = "board.db";

export const StoreSource = { flag: "flag", env: "env", config: "config", default: "default" } as const;
export type StoreSource = (typeof StoreSource)[keyof typeof StoreSource];

export interface BoardLocation {
  /** A store URL with an absolute path (or a postgres:// URL). */
  url: string;
  source: StoreSource;
  /** The directory holding `.baton/`, when the board was found (or will be made) there. */
  root: string | null;
  policy: BoardPolicyInput;
}

export interface BatonConfig {
  store?: string;
  /** The environment variable holding the PostgreSQL password (never the password itself). */
  passwordEnv?: string;
  policy: BoardPolicyInput;
}

/** The directory holding the nearest `.baton/` at or above `cwd`, or null. */
export function findBoardRoot(cwd: string): string | null {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (isDirectory(join(dir, BATON_DIR))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

export function locateBoard(flagStore: string | undefined, env: NodeJS.ProcessEnv, cwd: string): BoardLocation {
  const root = findBoardRoot(cwd);
  const config = root ? readConfig(root) : { policy: {} };
  if (flagStore !== undefined) return { url: flagStore, source: StoreSource.flag, root, policy: config.policy };
  if (env.BATON_STORE) return { url: env.BATON_STORE, source: StoreSource.env, root, policy: config.policy };
  if (root === null) {
    throw new BatonError(
      ErrorCode.NOT_FOUND,
      `no baton board here: no ${BATON_DIR}/ directory in ${cwd} or any parent; ` +
        "run `baton init` to create one here, or point at a board with --store URL or BATON_STORE",
      { cwd },
    );
  }
  return config.store !== undefined
    ? { url: connectionUrl(root, config, env), source: StoreSource.config, root, policy: config.policy }
    : { url: defaultStoreUrl(root), source: StoreSource.default, root, policy: config.policy };
}

/**
 * The recorded store as a URL to connect with: the config holds no password (see
 * docs/postgres.md); it comes from the variable `passwordEnv` names, else pg reads
 * PGPASSWORD or ~/.pgpass itself.
 */
export function connectionUrl(root: string, config: BatonConfig, env: NodeJS.ProcessEnv): string {
  const url = absoluteStoreUrl(config.store as string, root);
  if (config.passwordEnv === undefined || storeUrlPassword(url) !== undefined) return url;
  const password = env[config.passwordEnv];
  if (password === undefined || password === "") {
    throw invalidInput(
      `${configPath(root)} says the database password is in $${config.passwordEnv}, which is not set; ` +
        `export ${config.passwordEnv}, or remove "passwordEnv" to use PGPASSWORD or ~/.pgpass`,
    );
  }
  return storeUrlWithPassword(url, password);
}

export function defaultStoreUrl(root: string): string {
  return `sqlite:${join(root, BATON_DIR, DEFAULT_DB)}`;
}

/** The same store with a relative path made absolute against `base`. */
export function absoluteStoreUrl(url: string, base: string): string {
  const location = parseStoreUrl(url, base);
  if (location.kind === "postgres") return url;
  return `${location.kind}:${location.target}${location.durability ? `?durability=${location.durability}` : ""}`;
}

export function configPath(root: string): string {
  return join(root, BATON_DIR, CONFIG_FILE);
}

const configSchema = z.looseObject({
  store: z.optional(z.string().check(z.minLength(1))),
  passwordEnv: z.optional(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/))),
});

export function readConfig(root: string): BatonConfig {
  const path = configPath(root);
  if (!existsSync(path)) return { policy: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw invalidInput(`cannot read ${path}: ${(error as Error).message}; fix the JSON or delete the file`, { path });
  }
  const { store, passwordEnv, ...policy } = parseInput(configSchema, raw, `config ${path}`);
  parseInput(policySchema, policy, `board policy in ${path}`);
  return {
    ...(store !== undefined && { store }),
    ...(passwordEnv !== undefined && { passwordEnv }),
    policy: policy as BoardPolicyInput,
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

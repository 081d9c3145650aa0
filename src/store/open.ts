/**
 * Store URLs: `sqlite:PATH` (default), `json:PATH`, `postgres://…`. A bare path picks the
 * store by its extension. `?durability=full` survives power loss (see README);
 * `?lockTimeoutSeconds=N` sets how long a write waits for the lock (sqlite and json; a
 * postgres:// URL's parameters are PostgreSQL's own, so there the board policy's
 * lockTimeoutSeconds sets it). Each store's
 * module is imported only when used, so the CLI never loads pg for a SQLite board.
 */
import { isAbsolute, resolve } from "node:path";
import { BatonError, ErrorCode } from "../core/errors.js";
import type { Durability, Store, StoreOptions } from "./store.js";

export interface StoreLocation {
  kind: Store["kind"];
  /** File path for sqlite/json, connection string for postgres. */
  target: string;
  durability?: Durability;
  lockTimeoutMs?: number;
}

export function parseStoreUrl(url: string, cwd = process.cwd()): StoreLocation {
  const invalid = (why: string): BatonError =>
    new BatonError(
      ErrorCode.INVALID_INPUT,
      `invalid store "${url}": ${why}; use sqlite:PATH, json:PATH or postgres://USER@HOST/DB`,
    );
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", target: url };
  let kind: "sqlite" | "json";
  let rest: string;
  if (url.startsWith("sqlite:")) [kind, rest] = ["sqlite", url.slice("sqlite:".length)];
  else if (url.startsWith("json:")) [kind, rest] = ["json", url.slice("json:".length)];
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[a-z]{2,}:/i.test(url)) throw invalid("unknown store kind");
  else [kind, rest] = [url.endsWith(".json") ? "json" : "sqlite", url];
  const [path = "", query = ""] = rest.split("?", 2);
  if (path === "") throw invalid("the path is empty");
  const params = new URLSearchParams(query);
  const durability = params.get("durability") ?? undefined;
  if (durability !== undefined && durability !== "normal" && durability !== "full") {
    throw invalid(`durability must be "normal" or "full", not "${durability}"`);
  }
  const lockTimeout = params.get("lockTimeoutSeconds") ?? undefined;
  const lockTimeoutSeconds = lockTimeout === undefined ? undefined : Number(lockTimeout);
  if (lockTimeoutSeconds !== undefined && !(lockTimeout !== "" && Number.isFinite(lockTimeoutSeconds) && lockTimeoutSeconds > 0)) {
    throw invalid(`lockTimeoutSeconds must be a number of seconds more than 0, not "${lockTimeout}"`);
  }
  for (const key of params.keys()) {
    if (key !== "durability" && key !== "lockTimeoutSeconds") {
      throw invalid(`unknown option "${key}" (the options are durability and lockTimeoutSeconds)`);
    }
  }
  const target = path === ":memory:" || isAbsolute(path) ? path : resolve(cwd, path);
  return {
    kind,
    target,
    ...(durability && { durability }),
    ...(lockTimeoutSeconds !== undefined && { lockTimeoutMs: lockTimeoutSeconds * 1000 }),
  };
}

/** A postgres:// URL's password, if it has one (other stores have none). */
export function storeUrlPassword(url: string): string | undefined {
  if (!/^postgres(ql)?:\/\//.test(url)) return undefined;
  try {
    const password = new URL(url).password;
    return password === "" ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/** The URL as it may be printed or saved: a postgres:// URL without its password. */
export function storeUrlWithoutPassword(url: string): string {
  if (storeUrlPassword(url) === undefined) return url;
  const parsed = new URL(url);
  parsed.password = "";
  return parsed.toString();
}

/** A postgres:// URL with `password` put in (in memory only, for connecting). */
export function storeUrlWithPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url);
  const merged: StoreOptions = { ...options };
  if (location.durability && !options.durability) merged.durability = location.durability;
  if (location.lockTimeoutMs !== undefined && options.lockTimeoutMs === undefined) merged.lockTimeoutMs = location.lockTimeoutMs;
  switch (location.kind) {
    case "sqlite": {
      const { openSqliteStore } = await import("./sqlite/sqlite-store.js");
      return openSqliteStore(location.target, merged);
    }
    case "json": {
      const { openJsonStore } = await import("./json/json-store.js");
      return openJsonStore(location.target, merged);
    }
    case "postgres": {
      const { openPostgresStore } = await import("./postgres/postgres-store.js");
      return openPostgresStore(location.target, merged);
    }
  }
}

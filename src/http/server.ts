/**
 * `baton serve`: opens the board, makes the credentials, binds the app, prints where it is and
 * the dashboard's one-time sign-in link, and runs until SIGINT/SIGTERM.
 */
import { readFileSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { invalidInput } from "../core/errors.js";
import { Board } from "../board.js";
import { GroupCommitStore, addedCounts } from "../store/group-commit.js";
import { openStore } from "../store/open.js";
import { createApp } from "./app.js";
import { Credentials, environmentToken, newSecret, parseTokenFile } from "./auth.js";
import { EventFanout } from "./event-fanout.js";
import { loadDashboardAssets } from "./dashboard/assets.js";
import { listen } from "./node.js";
import { WriterThread } from "./writer-thread.js";
import { untilSignal } from "../until-signal.js";
import type { BoardPolicyInput } from "../core/policy.js";
import type { StaticAsset } from "./app.js";
import type { Identity, TokenEntry } from "./auth.js";
import type { Store } from "../store/store.js";

export interface ServeOptions {
  storeUrl: string;
  policy?: BoardPolicyInput;
  host: string;
  port: number;
  tokenFile?: string;
  allowHosts?: readonly string[];
  allowOrigins?: readonly string[];
  maxBodyBytes?: number;
  assets?: ReadonlyMap<string, StaticAsset>;
  env?: NodeJS.ProcessEnv;
  /** One line for people, or (json) one object for scripts and tests. */
  announce(info: { url: string; loginUrl: string; generatedToken?: string }): void;
  log(message: string): void;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  stopped?: Promise<void>;
  /** Agents' writes in a writer thread on SQLite (default true; writer-thread.ts). */
  writerThread?: boolean;
}

export const DEFAULT_PORT = 7420;
/** How often serve looks for webhook events to deliver (a round with nothing due is one read). */
const WEBHOOK_ROUND_MS = 1000;
/** 1 MiB: a task's description is at most 100,000 characters; nothing legitimate is larger. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function tokens(options: ServeOptions): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const fromEnv = environmentToken(options.env ?? process.env);
  if (fromEnv) entries.push(fromEnv);
  if (options.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.tokenFile, "utf8");
    } catch (error) {
      throw invalidInput(`cannot read the token file ${options.tokenFile}: ${(error as Error).message}`);
    }
    entries.push(...parseTokenFile(text, options.tokenFile));
  }
  return entries;
}

/** Host header values this server answers to: its own names and addresses, with the port. */
function allowedHosts(host: string, port: number, extra: readonly string[]): string[] {
  const names = new Set<string>(["127.0.0.1", "localhost", "[::1]"]);
  if (host === "0.0.0.0" || host === "::") {
    names.add(hostname());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) names.add(a.family === "IPv6" ? `[${a.address}]` : a.address);
    }
  } else {
    names.add(host.includes(":") && !host.startsWith("[") ? `[${host}]` : host);
  }
  return [...[...names].map((n) => `${n}:${port}`), ...extra];
}

export async function runServer(options: ServeOptions): Promise<void> {
  const configured = tokens(options);
  if (configured.length === 0 && !isLoopback(options.host)) {
    throw invalidInput(
      `--host ${options.host} is not a loopback address, and serve refuses to open the board to the network without a token: set BATON_TOKEN or pass --token-file FILE (see docs/http.md)`,
    );
  }
  const generated = configured.length === 0 ? newSecret() : undefined;
  const entries: TokenEntry[] = generated ? [{ name: "operator", role: "write", token: generated }] : configured;
  const credentials = new Credentials(entries);
  const signIn: Identity = entries.find((e) => e.role === "write") ?? (entries[0] as TokenEntry);

  // Writes from many clients that arrive together share one store transaction (group commit).
  const inner = await openStore(options.storeUrl, { create: false });
  const store = new GroupCommitStore(inner);
  const local = new Board(store, { ...(options.policy && { policy: options.policy }) });
  let writer: WriterThread | null = null;
  try {
    if (options.writerThread !== false && hasWriterThread(inner)) writer = await WriterThread.start(options.storeUrl, options.policy, options.log);
  } catch (error) {
    await local.close();
    throw error;
  }
  const board = writer ? writer.boardFor(local) : local;
  const events = new EventFanout(local, 20, options.log);
  let app: { fetch(request: Request): Response | Promise<Response> } | null = null;
  let listening;
  try {
    listening = await listen((request) => (app as NonNullable<typeof app>).fetch(request), options.host, options.port);
  } catch (error) {
    await writer?.close();
    await local.close();
    throw error;
  }
  app = createApp({
    board,
    events,
    groupCommitCounts: async () => (writer ? addedCounts(store.counts, await writer.counts()) : { ...store.counts }),
    credentials,
    allowedHosts: allowedHosts(options.host, listening.port, options.allowHosts ?? []),
    allowedOrigins: options.allowOrigins ?? [],
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    stream: { heartbeatMs: 15_000, resyncAfter: 10_000, maxQueued: 2_000 },
    assets: options.assets ?? loadDashboardAssets() ?? new Map(),
    log: options.log,
  });
  const shown = options.host.includes(":") && !options.host.startsWith("[") ? `[${options.host}]` : options.host;
  const url = `http://${shown === "0.0.0.0" || shown === "[::]" ? "127.0.0.1" : shown}:${listening.port}`;
  options.announce({
    url,
    loginUrl: `${url}/login?code=${credentials.loginCode({ name: signIn.name, role: signIn.role })}`,
    ...(generated && { generatedToken: generated }),
  });

  // Webhooks go out from the audit trail beside the board's operations, never inside one
  // (src/webhooks/deliverer.ts); a round a stop catches finishes its request and records it.
  const { Deliverer } = await import("../webhooks/deliverer.js");
  const deliverer = new Deliverer(store);
  deliverer.start(WEBHOOK_ROUND_MS, (error) => options.log(`webhooks: ${error instanceof Error ? error.message : String(error)}`));

  await (options.stopped ?? untilSignal());
  await deliverer.stop();
  events.close();
  await listening.close();
  await writer?.close();
  await local.close();
}

/**
 * Only a SQLite board on a file has one: group commit batches there (the other stores run
 * each write in its own transaction), and ":memory:" is a database per connection.
 */
function hasWriterThread(store: Store): boolean {
  return store.kind === "sqlite" && store.location !== ":memory:";
}


/**
 * `openBoard(url)`: the store the URL names, opened, behind a Board. Its own module so the CLI
 * (src/cli/context.ts) opens a board without loading the rest of the public API (src/index.ts:
 * the monitor, file locks and their node:crypto and node:os).
 */
import { Board } from "./board.js";
import { resolvePolicy } from "./core/policy.js";
import { openStore, parseStoreUrl } from "./store/open.js";
import type { BoardOptions } from "./board.js";
import type { StoreOptions } from "./store/store.js";

export type OpenBoardOptions = BoardOptions &
  StoreOptions & {
    /**
     * A SQLite board's hot writes (claim, heartbeat, complete, fail, release) go through the
     * board's local writer, one process per board that commits the writes of many processes
     * together (src/local-writer/client.ts); started on first use, gone when idle. Not with a
     * custom clock or random source (the writer runs its own).
     */
    localWriter?: boolean;
  };

export async function openBoard(url: string, options: OpenBoardOptions = {}): Promise<Board> {
  const { policy, clock, random, localWriter, ...storeOptions } = options;
  const leaseSeconds = policy?.leaseSeconds;
  // Checked before the store opens, so a bad policy opens nothing. The store URL's
  // ?lockTimeoutSeconds (one process's choice) wins over the board policy's.
  const policyLockTimeout = resolvePolicy(policy).lockTimeoutSeconds;
  const lockTimeoutSeconds = parseStoreUrl(url).lockTimeoutMs === undefined ? policyLockTimeout : undefined;
  const store = await openStore(url, {
    ...(leaseSeconds !== undefined && { leaseSeconds }),
    ...(lockTimeoutSeconds !== undefined && { lockTimeoutMs: lockTimeoutSeconds * 1000 }),
    ...storeOptions,
  });
  const board = new Board(store, { ...(policy && { policy }), ...(clock && { clock }), ...(random && { random }) });
  if (!localWriter || store.kind !== "sqlite" || clock || random || store.location === ":memory:") return board;
  const { LocalWriterClient } = await import("./local-writer/client.js");
  const { writerAddress } = await import("./local-writer/address.js");
  // The writer opens the board as this process did: durability and lock timeout (as given
  // here, else the URL's, else the policy's) go into the URL it opens.
  const location = parseStoreUrl(url);
  const { durability = location.durability } = storeOptions;
  const lockTimeoutMs = storeOptions.lockTimeoutMs ?? location.lockTimeoutMs ?? (policyLockTimeout !== undefined ? policyLockTimeout * 1000 : undefined);
  const address = writerAddress({ ...location, ...(durability && { durability }), ...(lockTimeoutMs !== undefined && { lockTimeoutMs }) }, policy);
  if (!address) return board;
  return new LocalWriterClient(address, policy, (lockTimeoutMs ?? 30_000) + 2000).boardFor(board);
}

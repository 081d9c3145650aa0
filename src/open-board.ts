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

export type OpenBoardOptions = BoardOptions & StoreOptions;

export async function openBoard(url: string, options: OpenBoardOptions = {}): Promise<Board> {
  const { policy, clock, random, ...storeOptions } = options;
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
  return new Board(store, { ...(policy && { policy }), ...(clock && { clock }), ...(random && { random }) });
}

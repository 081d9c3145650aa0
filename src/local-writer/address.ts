/**
 * Where a board's local writer (src/local-writer/daemon.ts) is found: one per board file,
 * store options and policy, per user. Two names:
 *
 * - the **election** name, a Linux abstract socket: binding it is atomic and the kernel frees
 *   it the instant its process dies, so exactly one live writer holds it and a dead one never
 *   blocks the next (a socket file would outlive a SIGKILLed writer);
 * - the **socket** clients connect to, a file in a directory only this user may enter (0700,
 *   checked, never followed through a symlink): an abstract socket has no permissions, and
 *   the writer writes the board as its user, so nobody else may reach it.
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { WIRE_VERSION } from "./wire.js";
import type { BoardPolicyInput } from "../core/policy.js";
import type { StoreLocation } from "../store/open.js";

export interface WriterAddress {
  /** Abstract socket name (leading NUL) that only the elected writer binds. */
  election: string;
  /** Abstract socket name a client binds while it starts a writer, so 64 clients start one, not 64. */
  starting: string;
  /** The socket file clients connect to. */
  socketPath: string;
  /** The record of this writer's starts beside it (src/local-writer/start-record.ts). */
  startRecord: string;
  /** The store URL the writer opens: the board's real path and the URL's options. */
  storeUrl: string;
}

/** The board's real path when it exists (two spellings of one file share a writer). */
function realTarget(target: string): string {
  try {
    return realpathSync(target);
  } catch {
    return target;
  }
}

/**
 * The longest socket path Linux takes (sun_path is 108 bytes with its NUL). Node does not
 * refuse a longer one: it cuts it, on listen and on connect alike, so two boards whose names
 * differ only past the cut shared one writer, and one board's claims took the other's tasks
 * (a TMPDIR of 98 characters did it: test/sqlite/local-writer.test.ts).
 */
export const SOCKET_PATH_MAX_BYTES = 107;

/** Where the socket directory goes when TMPDIR is too long for a socket path under it. */
const SHORT_TMP = "/tmp";

/**
 * The board's writer address, or null when it cannot have one: a board path with a "?" (a
 * store URL ends its path there, so the writer could not be told which file to open), or a
 * socket path too long even under /tmp. Such a board writes to the file itself.
 */
export function writerAddress(location: StoreLocation, policy: BoardPolicyInput | undefined): WriterAddress | null {
  const target = realTarget(location.target);
  if (target.includes("?")) return null;
  const query = new URLSearchParams();
  if (location.durability) query.set("durability", location.durability);
  if (location.lockTimeoutMs !== undefined) query.set("lockTimeoutSeconds", String(location.lockTimeoutMs / 1000));
  const storeUrl = `${location.kind}:${target}${query.size > 0 ? `?${query}` : ""}`;
  const uid = process.getuid?.() ?? 0;
  // The policy is part of the name: a writer runs its board with one policy, and a client
  // with another lease length must not have its claims made with the writer's. So is the
  // wire's version: a client never talks to a writer that speaks another (src/local-writer/wire.ts).
  const key = createHash("sha256")
    .update(JSON.stringify([uid, storeUrl, policy ?? null, WIRE_VERSION]))
    .digest("hex")
    .slice(0, 24);
  const socketName = join(`baton-${uid}`, `w-${key}.sock`);
  const socketPath = [tmpdir(), SHORT_TMP].map((dir) => join(dir, socketName)).find(fitsSocketPath);
  if (socketPath === undefined) return null;
  return {
    election: `\0baton-writer-${key}`,
    starting: `\0baton-writer-start-${key}`,
    socketPath,
    startRecord: join(dirname(socketPath), `w-${key}.start`),
    storeUrl,
  };
}

export function fitsSocketPath(path: string): boolean {
  return Buffer.byteLength(path) <= SOCKET_PATH_MAX_BYTES;
}

/**
 * Makes the socket's directory (0700) or checks the one there: a directory this user owns,
 * not a symlink, that nobody else can enter. Throws with the reason otherwise; the writer
 * then does not start, and clients write to the board themselves.
 */
export function ensurePrivateDirectory(socketPath: string): void {
  const dir = dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory (a symlink?); the local writer will not listen there`);
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${dir} belongs to uid ${stat.uid}, not ${uid}; the local writer will not listen there`);
  if ((stat.mode & 0o077) !== 0) throw new Error(`${dir} is open to other users (mode ${(stat.mode & 0o777).toString(8)}); the local writer will not listen there`);
}

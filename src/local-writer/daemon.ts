/**
 * A board's local writer: `node dist/src/local-writer/daemon.js CONFIG` (spawned detached by
 * the first client that finds none, src/local-writer/client.ts). One process in front of one
 * board, as `baton serve` is: agents' processes on this machine send it their hot writes
 * (claim, heartbeat, complete, fail, release) over a socket, and it commits the ones that
 * arrive together in one store transaction (src/store/group-commit.ts) — so 64 processes no
 * longer hand SQLite's write lock to each other 2 × 64 times a round.
 *
 * It wins the board's election name or exits at once (another writer is up); it exits by
 * itself once no client has been connected for `idleMs`. Correctness stays the store's: the
 * writer is one more connection to the board, checking the same fencing tokens and writing
 * the same audit events, and a client that cannot reach it writes to the board itself.
 */
import { unlinkSync } from "node:fs";
import { createServer } from "node:net";
import { Board } from "../board.js";
import { BatonError, ErrorCode } from "../core/errors.js";
import { GroupCommitStore } from "../store/group-commit.js";
import { openStore } from "../store/open.js";
import { runWriterCall, sendableError } from "../http/writer-thread.js";
import { SOCKET_PATH_MAX_BYTES, ensurePrivateDirectory, fitsSocketPath } from "./address.js";
import { clearStartRecord, recordStartFailure } from "./start-record.js";
import { GREETING_LINE, LineSplitter } from "./wire.js";
import type { Server, Socket } from "node:net";
import type { BoardPolicyInput } from "../core/policy.js";
import type { AnswerLine, CallLine } from "./wire.js";

export interface DaemonConfig {
  storeUrl: string;
  policy?: BoardPolicyInput;
  election: string;
  socketPath: string;
  /** Where this start is recorded (src/local-writer/start-record.ts): cleared once up, the reason written if it cannot come up. */
  startRecord: string;
  idleMs: number;
}

/** The config the client passed, or null when it is not JSON (refused below, with the others). */
function parsedConfig(): DaemonConfig | null {
  try {
    return JSON.parse(process.argv[2] ?? "null") as DaemonConfig | null;
  } catch {
    return null;
  }
}

const config = parsedConfig();
if (
  !config ||
  typeof config.storeUrl !== "string" ||
  typeof config.socketPath !== "string" ||
  typeof config.election !== "string" ||
  typeof config.startRecord !== "string"
) {
  console.error("usage: spawned by a baton client: daemon.js CONFIG_JSON");
  process.exit(2);
}
if (!fitsSocketPath(config.socketPath)) {
  // Node would cut it and listen on another board's name (src/local-writer/address.ts).
  console.error(`the socket path ${config.socketPath} is longer than ${SOCKET_PATH_MAX_BYTES} bytes`);
  process.exit(2);
}
const { startRecord } = config;

function listen(server: Server, path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve(false) : reject(error)));
    server.listen({ path }, () => resolve(true));
  });
}

/** This start failed: why goes in the start record, and the next start waits longer. */
function cannotStart(error: unknown): never {
  const reason = error instanceof Error ? error.message : String(error);
  recordStartFailure(startRecord, reason);
  console.error(`the board's local writer cannot start: ${reason}`);
  process.exit(1);
}

// Nobody talks on the election name; whoever connects is let go.
const election = createServer((socket) => socket.destroy());
if (!(await listen(election, config.election).catch(cannotStart))) {
  // Another writer is up: this start was not needed, and is no failure.
  clearStartRecord(startRecord);
  process.exit(0);
}

// The URL carries the client's durability and lock timeout (src/open-board.ts).
const store = new GroupCommitStore(await openStore(config.storeUrl, { create: false }).catch(cannotStart));
const board = new Board(store, { ...(config.policy && { policy: config.policy }) });

try {
  ensurePrivateDirectory(config.socketPath);
} catch (error) {
  cannotStart(error);
}
// A socket file left by a writer that was killed: the election says it is nobody's now.
try {
  unlinkSync(config.socketPath);
} catch {
  // absent
}

const LATE_CALL = "the board's local writer read this write after its caller had stopped waiting, and did not run it; retry it";

let connections = 0;
let idleTimer: NodeJS.Timeout | null = null;
const server = createServer(serveClient);
if (!(await listen(server, config.socketPath).catch(cannotStart))) process.exit(0);
clearStartRecord(startRecord);
waitForClients();
process.once("SIGTERM", () => void shutDown());
process.once("SIGINT", () => void shutDown());

function waitForClients(): void {
  idleTimer = setTimeout(() => void shutDown(), config?.idleMs ?? 5000);
}

function serveClient(socket: Socket): void {
  connections++;
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  // Before anything is read: a client whose connection closes without it knows no call of its was run.
  socket.write(`${GREETING_LINE}\n`);
  socket.setEncoding("utf8");
  const lines = new LineSplitter();
  socket.on("data", (text: string) => {
    let whole: string[];
    try {
      whole = lines.push(text);
    } catch {
      socket.destroy();
      return;
    }
    for (const line of whole) if (line !== "") void answer(socket, line);
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => {
    if (--connections === 0) waitForClients();
  });
}

async function answer(socket: Socket, line: string): Promise<void> {
  let call: CallLine;
  try {
    call = JSON.parse(line) as CallLine;
  } catch {
    socket.destroy();
    return;
  }
  if (typeof call !== "object" || call === null || typeof call.i !== "number" || !Array.isArray(call.a)) {
    socket.destroy();
    return;
  }
  let reply: AnswerLine;
  if (typeof call.d === "number" && Date.now() > call.d) {
    // Read after its caller gave up (this writer was stopped, or far behind): see CallLine.d.
    reply = { i: call.i, e: sendableError(new BatonError(ErrorCode.STORE_UNAVAILABLE, LATE_CALL)) };
  } else {
    try {
      reply = { i: call.i, v: await runWriterCall(board, String(call.m), call.a, "the local writer") };
    } catch (error) {
      reply = { i: call.i, e: sendableError(error) };
    }
  }
  if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
}

let shuttingDown = false;
async function shutDown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  server.close();
  try {
    unlinkSync(config?.socketPath as string);
  } catch {
    // already gone
  }
  await board.close();
  election.close();
  process.exit(0);
}

/**
 * A process's way to its board's local writer (src/local-writer/daemon.ts): `boardFor(local)`
 * is `local` with an agent's hot writes (WRITER_THREAD_METHODS) sent to the writer instead,
 * everything else as it was.
 *
 * The writer is an accelerator, never a requirement: when there is none, a call runs on
 * `local` (the board itself) and a writer is started, detached, for the calls after it; a
 * call never waits for one to start. A connection carries calls only once the writer greeted
 * it (GREETING_LINE, src/local-writer/wire.ts): one that closes first, or is not greeted
 * soon, had nothing sent on it, and the call runs on the board itself. When the writer goes
 * away with calls under way, those are refused as STORE_UNAVAILABLE (they may or may not
 * have committed, as when an HTTP answer is lost), and the next call finds or starts another
 * writer.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connect, createServer } from "node:net";
import { BatonError, ErrorCode } from "../core/errors.js";
import { WRITER_THREAD_METHODS, receivedError } from "../http/writer-thread.js";
import { ensurePrivateDirectory } from "./address.js";
import { recordStartIfDue } from "./start-record.js";
import { ByteLineSplitter, GREETING_LINE } from "./wire.js";
import type { Socket } from "node:net";
import type { Board } from "../board.js";
import type { BoardPolicyInput } from "../core/policy.js";
import type { WriterAddress } from "./address.js";
import type { DaemonConfig } from "./daemon.js";
import type { AnswerLine } from "./wire.js";

/** A writer with no client for this long exits (BATON_LOCAL_WRITER_IDLE_MS overrides it, for tests). */
const IDLE_MS = 5000;
/** After a failed connect, calls go to the board itself for this long before the next try. */
const RETRY_MS = 50;
/**
 * A writer that has not greeted a connection this long after it was made is stuck (stopped,
 * or its loop held): the call runs on the board itself, having waited this long at most, not
 * the lock timeout + 2 s it would wait once sent. A writer greets in its next turn, well under
 * a millisecond here; BATON_LOCAL_WRITER_GREETING_MS overrides it, for tests.
 */
const GREETING_MS = 500;
/**
 * A writer started less than this ago is not started again by this process: it may still be
 * opening the board (~150–300 ms here). Also how long a writer killed before it came up waits
 * at most for the next one; starts in a row across processes wait longer (src/local-writer/start-record.ts).
 */
const SPAWN_AGAIN_MS = 1000;

/** A test's override of one of the waits above: a positive number of ms in `name`, else `fallback`. */
function msFromEnv(name: string, fallback: number): number {
  const ms = Number(process.env[name]);
  return ms > 0 ? ms : fallback;
}

/** Every client's reads land here and are split at once, before the next read (one per process). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * The writer's script beside this module; the compiled one when this module runs from its
 * TypeScript source (the test runner), since the writer is a plain `node` process.
 */
const DAEMON_SCRIPT = import.meta.url.endsWith(".ts")
  ? fileURLToPath(new URL("../../dist/src/local-writer/daemon.js", import.meta.url))
  : fileURLToPath(new URL("./daemon.js", import.meta.url));

const clients = new WeakMap<Board, LocalWriterClient>();

/** How a board opened with `localWriter` sent its writes so far; undefined for any other board. */
export function localWriterCounts(board: Board): LocalWriterClient["counts"] | undefined {
  return clients.get(board)?.counts;
}

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** performance.now() when the call was sent. */
  sentAt: number;
}

/** How often calls under way are checked for an answer overdue (one timer per connection, not one per call). */
const OVERDUE_CHECK_MS = 1000;

export class LocalWriterClient {
  private socket: Socket | null = null;
  private connecting: Promise<Socket | null> | null = null;
  private readonly pending = new Map<number, Waiting>();
  private nextId = 1;
  private retryAt = 0;
  private spawnedAt = -Infinity;
  private closed = false;
  /** Calls answered by the writer and calls run on the board itself (tests, the bench). */
  readonly counts = { viaWriter: 0, direct: 0, writersStarted: 0 };

  constructor(
    private readonly address: WriterAddress,
    private readonly policy: BoardPolicyInput | undefined,
    /**
     * A call unanswered this long means a writer that stopped (SIGSTOP, a hung disk): it is
     * refused, and calls go to the board itself for as long again. The writer itself waits
     * at most the lock timeout for SQLite's lock, so openBoard gives that plus 2 s.
     */
    private readonly answerTimeoutMs: number,
  ) {}

  boardFor(local: Board): Board {
    // One wrapper per method, made once: an agent's loop calls these thousands of times.
    const wrapped = new Map<string, (...args: unknown[]) => Promise<unknown>>();
    const board = new Proxy(local, {
      get: (target, property, receiver) => {
        if (property === "close") return () => this.closeWith(target);
        if (typeof property === "string" && WRITER_THREAD_METHODS.has(property)) {
          let wrapper = wrapped.get(property);
          if (!wrapper) {
            const direct = Reflect.get(target, property, receiver) as (...args: unknown[]) => Promise<unknown>;
            wrapper = (...args: unknown[]) => this.call(property, args, () => direct.apply(target, args));
            wrapped.set(property, wrapper);
          }
          return wrapper;
        }
        return Reflect.get(target, property, receiver);
      },
    });
    clients.set(board, this);
    return board;
  }

  /**
   * Not async: with a writer connected (the usual call) the answer's promise is returned as
   * it is, without the extra promise and turns an async function wraps it in. At 64
   * processes each client runs mostly unoptimized code (~40 calls/s each), so every step
   * of this path costs (docs/guarantees.md).
   */
  private call(method: string, args: unknown[], direct: () => Promise<unknown>): Promise<unknown> {
    if (this.socket) return this.send(this.socket, method, args);
    return this.connected().then((socket) => {
      if (socket) return this.send(socket, method, args);
      this.counts.direct++;
      return direct();
    });
  }

  private send(socket: Socket, method: string, args: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    let line: string;
    try {
      line = `${JSON.stringify({ i: id, m: method, a: args, d: Date.now() + this.answerTimeoutMs })}\n`;
    } catch (error) {
      // Arguments JSON cannot carry (a cycle, a BigInt): refused as a promise, as an async call would.
      return Promise.reject(error as Error);
    }
    if (this.pending.size === 0) socket.ref();
    const answer = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, sentAt: performance.now() }));
    socket.write(line);
    return answer;
  }

  /** The writer's socket, or null (calls go to the board itself) when there is none to reach now. */
  private connected(): Promise<Socket | null> {
    if (this.closed || performance.now() < this.retryAt) return Promise.resolve(null);
    this.connecting ??= new Promise<Socket | null>((resolve) => {
      const lines = new ByteLineSplitter();
      let greeted = false;
      let givenUp = false;
      // Nothing is sent until the greeting, so giving up before it leaves the writer nothing to run.
      const giveUp = (retryInMs: number, startWriter: boolean): void => {
        if (greeted || givenUp) return;
        givenUp = true;
        clearTimeout(timer);
        socket.destroy();
        this.retryAt = performance.now() + retryInMs;
        if (startWriter) this.startWriter();
        resolve(null);
      };
      const greeting = (buffer: Buffer, bytes: number): boolean => {
        let first: string[];
        try {
          first = lines.push(buffer, bytes);
        } catch {
          giveUp(RETRY_MS, false);
          return false;
        }
        if (first.length === 0) return true; // the greeting cut across reads
        if (first.length !== 1 || first[0] !== GREETING_LINE) {
          // Not a writer of this wire (the address has its version: src/local-writer/address.ts).
          giveUp(RETRY_MS, false);
          return false;
        }
        greeted = true;
        clearTimeout(timer);
        socket.off("error", onLost).off("close", onLost);
        this.adopt(socket);
        resolve(socket);
        return true;
      };
      // onread: answers are read into one buffer and split here, not through a Readable
      // stream (the client's per-answer path at 64 processes: see docs/guarantees.md).
      const socket: Socket = connect({
        path: this.address.socketPath,
        onread: {
          buffer: READ_BUFFER,
          callback: (bytes: number, buffer: Uint8Array): boolean =>
            greeted ? this.received(socket, lines, buffer as Buffer, bytes) : greeting(buffer as Buffer, bytes),
        },
      });
      // No writer there, or one that went before it accepted this connection (idle, killed).
      const onLost = (): void => giveUp(RETRY_MS, true);
      socket.once("error", onLost).once("close", onLost);
      // A stuck writer holds its election, so none is started; calls go to the board itself for as long as a stuck answer's wait.
      const timer = setTimeout(() => giveUp(this.answerTimeoutMs, false), msFromEnv("BATON_LOCAL_WRITER_GREETING_MS", GREETING_MS));
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private adopt(socket: Socket): void {
    this.socket = socket;
    socket.unref();
    const overdue = setInterval(() => this.checkOverdue(socket), OVERDUE_CHECK_MS);
    overdue.unref();
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      clearInterval(overdue);
      this.lost(socket);
    });
  }

  /** The oldest call under way (a Map keeps the order sent) waited past answerTimeoutMs: the writer is stuck. */
  private checkOverdue(socket: Socket): void {
    const oldest = this.pending.values().next().value as Waiting | undefined;
    if (!oldest || performance.now() - oldest.sentAt < this.answerTimeoutMs) return;
    const stuck = new BatonError(
      ErrorCode.STORE_UNAVAILABLE,
      `the board's local writer did not answer within ${Math.round(this.answerTimeoutMs / 1000)} s (it may or may not commit this write); retry it`,
    );
    this.failPending(stuck);
    this.socket = null;
    this.retryAt = performance.now() + this.answerTimeoutMs;
    socket.destroy();
  }

  private failPending(error: BatonError): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private received(socket: Socket, lines: ByteLineSplitter, buffer: Buffer, bytes: number): boolean {
    let whole: string[];
    try {
      whole = lines.push(buffer, bytes);
    } catch {
      socket.destroy();
      return false;
    }
    for (const line of whole) if (line !== "") this.answered(JSON.parse(line) as AnswerLine);
    if (this.pending.size === 0) socket.unref();
    return true;
  }

  private answered(answer: AnswerLine): void {
    const waiting = this.pending.get(answer.i);
    if (!waiting) return;
    this.pending.delete(answer.i);
    this.counts.viaWriter++;
    if ("e" in answer) waiting.reject(receivedError(answer.e));
    else waiting.resolve(answer.v);
  }

  private lost(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    // Not at once: a killed writer's connections close before its listening socket does, and
    // a call sent in that gap would be accepted by a writer already gone.
    this.retryAt = performance.now() + RETRY_MS;
    this.failPending(new BatonError(ErrorCode.STORE_UNAVAILABLE, "the board's local writer went away during this write (it may or may not have committed); retry it"));
  }

  private startWriter(): void {
    const now = performance.now();
    if (now - this.spawnedAt < SPAWN_AGAIN_MS) return;
    this.spawnedAt = now;
    try {
      // The writer would check this and exit; a CLI call starting one only to see it fail
      // cost ~150 ms of CPU, on every call while the directory stays as it is.
      ensurePrivateDirectory(this.address.socketPath);
    } catch {
      return;
    }
    // Processes that find no writer at the same moment: the one that binds the start name
    // starts it (binding is atomic), the others go on writing to the board themselves.
    const starting = createServer();
    starting.unref();
    starting.once("error", () => starting.close());
    starting.listen({ path: this.address.starting }, () => {
      setTimeout(() => starting.close(), SPAWN_AGAIN_MS).unref();
      // Machine-wide, across processes: starts that do not come up wait longer each time.
      if (recordStartIfDue(this.address.startRecord)) this.spawnWriter();
    });
  }

  private spawnWriter(): void {
    const idleMs = msFromEnv("BATON_LOCAL_WRITER_IDLE_MS", IDLE_MS);
    const { election, socketPath, startRecord, storeUrl } = this.address;
    const config: DaemonConfig = { election, socketPath, startRecord, storeUrl, ...(this.policy && { policy: this.policy }), idleMs };
    try {
      const child = spawn(process.execPath, [DAEMON_SCRIPT, JSON.stringify(config)], {
        detached: true,
        stdio: "ignore",
      });
      child.on("error", () => {});
      child.unref();
      this.counts.writersStarted++;
    } catch {
      // No writer then: every call goes to the board itself.
    }
  }

  private async closeWith(local: Board): Promise<void> {
    this.closed = true;
    // A connection still being made: the calls waiting on it are sent first (their `then`
    // runs before this one), else it would be adopted after the close and stay open, keeping
    // the writer up for as long as this process lives.
    await this.connecting;
    // Answers under way are awaited by their callers; the socket goes once they are in.
    while (this.pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    this.socket?.end();
    this.socket = null;
    await local.close();
  }
}

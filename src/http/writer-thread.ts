/**
 * serve's writer thread: an agent's hot writes (claim, heartbeat, complete, fail, release)
 * run in a worker thread with its own Board behind group commit on its own store connection,
 * so serve uses two cores: the HTTP layer on the main thread, the board rules and SQLite on
 * the writer. On 2 cores the two halves each cost serve about 250 µs per claim+complete cycle
 * at 64 clients (`npm run bench -- http`: the HTTP layer alone beside the real serve), and one
 * thread doing both was the limit.
 *
 * Nothing about correctness moves: the writer thread is one more connection to the same store,
 * which already takes writers from any number of processes; its Board checks the same fencing
 * tokens and writes the same audit events. Everything else (reads, the stream, people's edits)
 * stays on the main thread's board. Values cross as structured clones, errors as their code,
 * message and details (a BatonError is made again on this side, so its HTTP status is the same).
 */
import { Worker } from "node:worker_threads";
import { BatonError, ErrorCode } from "../core/errors.js";
import type { Board } from "../board.js";
import type { BoardPolicyInput } from "../core/policy.js";
import type { GroupCommitCounts } from "../store/group-commit.js";

/** The Board methods the writer thread runs: an agent's loop, the requests that come by the thousand. */
export const WRITER_THREAD_METHODS: ReadonlySet<string> = new Set([
  "claim",
  "claimBatch",
  "complete",
  "completeAndClaimNext",
  "heartbeat",
  "fail",
  "release",
]);

/**
 * Runs one of WRITER_THREAD_METHODS on `board` for a call that crossed from another thread or
 * process; any other method is refused, naming `runner` (serve's writer thread, the local writer).
 */
export function runWriterCall(board: Board, method: string, args: unknown[], runner: string): Promise<unknown> {
  if (!WRITER_THREAD_METHODS.has(method)) throw new Error(`${runner} does not run ${method}`);
  const run = (board as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method] as (...args: unknown[]) => Promise<unknown>;
  return run.apply(board, args);
}

/** What the thread is asked: a call, or a question about its group commit. */
type WriterRequest = { method: string; args: unknown[] } | { method: "$counts" } | { method: "$close" };

/** What crosses to the thread: a request, numbered so its answer finds it. */
export type WriterCall = WriterRequest & { id: number };

/** What comes back. */
export type WriterAnswer = { id: number; value: unknown } | { id: number; error: SentError } | { started: true } | { startFailed: SentError };

export interface SentError {
  message: string;
  code?: string;
  details?: unknown;
}

export function sendableError(error: unknown): SentError {
  if (error instanceof BatonError) return { message: error.message, code: error.code, ...(error.details !== undefined && { details: error.details }) };
  return { message: error instanceof Error ? error.message : String(error) };
}

export function receivedError(sent: SentError): Error {
  return sent.code !== undefined ? new BatonError(sent.code as ErrorCode, sent.message, sent.details as never) : new Error(sent.message);
}

export class WriterThread {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  /** Why the thread is gone, once it is: every call after that is refused with it. */
  private stopped: Error | null = null;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    private readonly log: (message: string) => void,
  ) {
    worker.on("message", (answer: WriterAnswer) => this.answered(answer));
    worker.on("error", (error) => this.stop(`serve's writer thread failed: ${error.message}`));
    worker.on("exit", (code) => this.stop(`serve's writer thread exited (code ${code})`));
  }

  /** Starts the thread on `storeUrl`; refused with the store's own error if it cannot open it. */
  static start(storeUrl: string, policy: BoardPolicyInput | undefined, log: (message: string) => void): Promise<WriterThread> {
    const worker = new Worker(new URL("./writer-thread-worker.js", import.meta.url), { workerData: { storeUrl, policy } });
    return new Promise((resolve, reject) => {
      const onMessage = (answer: WriterAnswer): void => {
        if ("started" in answer) {
          cleanUp();
          resolve(new WriterThread(worker, log));
        } else if ("startFailed" in answer) {
          cleanUp();
          void worker.terminate();
          reject(receivedError(answer.startFailed));
        }
      };
      const onError = (error: Error): void => {
        cleanUp();
        reject(error);
      };
      const onExit = (code: number): void => {
        cleanUp();
        reject(new Error(`serve's writer thread exited (code ${code}) before it opened the board`));
      };
      const cleanUp = (): void => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
    });
  }

  /**
   * `local` with WRITER_THREAD_METHODS run in the thread instead; everything else as it was.
   * Once the thread is gone, those run on `local` again: slower, never refused for it.
   */
  boardFor(local: Board): Board {
    return new Proxy(local, {
      get: (target, property, receiver) =>
        typeof property === "string" && WRITER_THREAD_METHODS.has(property) && !this.stopped
          ? (...args: unknown[]) => this.call({ method: property, args })
          : Reflect.get(target, property, receiver),
    });
  }

  /** The thread's group commit so far. */
  counts(): Promise<GroupCommitCounts> {
    return this.call({ method: "$counts" }) as Promise<GroupCommitCounts>;
  }

  /** Waits for the writes under way, closes the thread's board and ends the thread. */
  async close(): Promise<void> {
    if (this.stopped) return;
    await this.call({ method: "$close" }).catch(() => {});
    this.closing = true;
    await this.worker.terminate();
  }

  private call(call: WriterRequest): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...call, id });
    });
  }

  private answered(answer: WriterAnswer): void {
    if (!("id" in answer)) return;
    const waiting = this.pending.get(answer.id);
    if (!waiting) return;
    this.pending.delete(answer.id);
    if ("error" in answer) waiting.reject(receivedError(answer.error));
    else waiting.resolve(answer.value);
  }

  /**
   * The thread is gone (a crash inside it, or close). A write under way may or may not have
   * committed, as when an HTTP answer is lost: it is refused as STORE_UNAVAILABLE, and the
   * agent's retry (now on the main thread) is fenced like any other.
   */
  private stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = new BatonError(ErrorCode.STORE_UNAVAILABLE, `${reason} during this write; retry it`);
    if (!this.closing) this.log(`baton serve: ${reason}; agents' writes run on the main thread from now on`);
    for (const waiting of this.pending.values()) waiting.reject(this.stopped);
    this.pending.clear();
  }
}

/**
 * The inside of serve's writer thread (src/http/writer-thread.ts): a Board behind group commit
 * on its own connection to the store, answering the main thread's calls one message each.
 * Calls run concurrently, as requests do on the main thread, so group commit batches them.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Board } from "../board.js";
import { GroupCommitStore } from "../store/group-commit.js";
import { openStore } from "../store/open.js";
import { runWriterCall, sendableError } from "./writer-thread.js";
import type { BoardPolicyInput } from "../core/policy.js";
import type { WriterAnswer, WriterCall } from "./writer-thread.js";

const port = parentPort;
if (!port) throw new Error("writer-thread-worker.js runs only as serve's worker thread");
const send = (answer: WriterAnswer): void => port.postMessage(answer);
const { storeUrl, policy } = workerData as { storeUrl: string; policy?: BoardPolicyInput };

/** The thread's board, or null once it has said why it could not open one (the thread then ends). */
async function start(): Promise<{ board: Board; store: GroupCommitStore } | null> {
  try {
    const store = new GroupCommitStore(await openStore(storeUrl, { create: false }));
    return { board: new Board(store, { ...(policy && { policy }) }), store };
  } catch (error) {
    send({ startFailed: sendableError(error) });
    return null;
  }
}

const opened = await start();
if (opened) {
  const { board, store } = opened;
  port.on("message", (call: WriterCall) => void answer(board, store, call));
  send({ started: true });
}

async function answer(board: Board, store: GroupCommitStore, call: WriterCall): Promise<void> {
  try {
    if (call.method === "$counts") return send({ id: call.id, value: { ...store.counts } });
    if (call.method === "$close") {
      await board.close();
      return send({ id: call.id, value: null });
    }
    if (!("args" in call)) throw new Error(`the writer thread does not run ${call.method}`);
    send({ id: call.id, value: await runWriterCall(board, call.method, call.args, "the writer thread") });
  } catch (error) {
    send({ id: call.id, error: sendableError(error) });
  }
}

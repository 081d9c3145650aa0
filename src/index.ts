/**
 * baton's public API: `openBoard(url)` and the types of the board, its tasks and events.
 *
 *   const board = await openBoard("sqlite:.baton/board.db");
 *   const { task, leaseToken } = await board.claim({ agent: "agent-1" });
 *   await board.complete(task.id, { token: leaseToken, result: "done" });
 */
import { Board } from "./board.js";
import { openStore } from "./store/open.js";
import type { BoardOptions } from "./board.js";
import type { StoreOptions } from "./store/store.js";

export type OpenBoardOptions = BoardOptions & StoreOptions;

export async function openBoard(url: string, options: OpenBoardOptions = {}): Promise<Board> {
  const { policy, clock, random, ...storeOptions } = options;
  const leaseSeconds = policy?.leaseSeconds;
  const store = await openStore(url, leaseSeconds === undefined ? storeOptions : { leaseSeconds, ...storeOptions });
  return new Board(store, { ...(policy && { policy }), ...(clock && { clock }), ...(random && { random }) });
}

export { Board } from "./board.js";
export type {
  AuditQuery,
  Claim,
  CredentialInput,
  EditBy,
  HealReport,
  ListQuery,
  Page,
  PageQuery,
  ReadyQuery,
  Reservation,
  BoardOptions,
} from "./board.js";
export { BatonError, ErrorCode, isBatonError } from "./core/errors.js";
export type { Agent, BoardEvent, EventType, Priority, Task, TaskStatus } from "./core/task.js";
export { EVENT_TYPES, PRIORITIES, TASK_STATUSES } from "./core/task.js";
export type { BoardPolicy, BoardPolicyInput } from "./core/policy.js";
export type { ClaimOptions, NewTaskInput, TaskPatch } from "./core/validation.js";
export { replayTask } from "./core/events.js";
export { parseDurationSeconds } from "./core/duration.js";
export type { Store, StoreOptions, StoreReader, StoreWriter, Durability, LockWait } from "./store/store.js";
export { openStore, parseStoreUrl } from "./store/open.js";
// Webhooks' runtime (signing, HTTP) is its own entry point, baton-board/webhooks
// (src/webhooks/index.ts), so the CLI's bundle of this module does not carry it.
export type { Webhook, WebhookDelivery } from "./core/webhooks.js";
export type { WebhookStore } from "./store/store.js";
